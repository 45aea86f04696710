/**
 * The embedded database's wire-protocol server (PostgreSQL protocol 3 on a Unix socket).
 *
 * PGlite is ONE PostgreSQL session, while a pg.Pool opens many connections. Handing each
 * message to that session as it arrives (what a plain proxy does) mixes connections up: one
 * connection's statements run inside another's transaction, an error in one discards the
 * other's messages until a Sync, and named prepared statements of two connections collide
 * (`prepared statement "..." already exists`). So this server lends the session to one
 * connection at a time, for a whole unit of work: from the connection's first message until
 * the session reports ReadyForQuery outside a transaction. Other connections wait, in arrival
 * order, at most `waitTimeoutMs`; then they get an error that says why, instead of a deadlock
 * a real server would not have. On top of that, per connection:
 * - prepared statement names are namespaced, and deallocated when the connection closes;
 * - a connection that closes inside a transaction has it rolled back;
 * - LISTEN/UNLISTEN are tracked, and each notification goes to the connections listening on
 *   its channel (the session delivers it to whoever ran the committing statement).
 * What stays shared (session settings, advisory locks) is listed in
 * docs/adr/0006-embedded-development-database.md.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSS_ENCRYPTION_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
/** Message type bytes (frontend and backend) this server looks at. */
const TYPE = {
  query: 0x51, // Q
  parse: 0x50, // P
  bind: 0x42, // B
  describe: 0x44, // D
  close: 0x43, // C
  sync: 0x53, // S
  terminate: 0x58, // X
  readyForQuery: 0x5a, // Z
  notification: 0x41, // A
} as const;

export interface EmbeddedServerOptions {
  db: PGlite;
  /** The Unix socket to listen on. */
  path: string;
  /** Longest a connection waits for another connection's unit of work (typically an open transaction). */
  waitTimeoutMs: number;
}

export interface EmbeddedServer {
  stop(): Promise<void>;
}

class SessionBusyError extends Error {}

interface Waiter {
  connection: Connection;
  resolve: () => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

/** Who holds the one session; waiters are served in arrival order. */
class SessionLease {
  #holder: Connection | undefined;
  readonly #waiters: Waiter[] = [];

  holds(connection: Connection): boolean {
    return this.#holder === connection;
  }

  acquire(connection: Connection, timeoutMs: number | undefined): Promise<void> {
    if (this.#holder === connection) return Promise.resolve();
    if (this.#holder === undefined) {
      this.#holder = connection;
      return Promise.resolve();
    }
    const holder = this.#holder;
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { connection, resolve, reject };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(
            new SessionBusyError(
              `the embedded database runs one transaction at a time, and connection ${holder.id} kept it for more than ${timeoutMs} ms ` +
                '(a transaction waiting for another connection deadlocks here; a PostgreSQL server would run both): set DATABASE_URL to use a server',
            ),
          );
        }, timeoutMs);
      }
      this.#waiters.push(waiter);
    });
  }

  release(connection: Connection): void {
    if (this.#holder !== connection) return;
    const next = this.#waiters.shift();
    if (next === undefined) {
      this.#holder = undefined;
      return;
    }
    clearTimeout(next.timer);
    this.#holder = next.connection;
    next.resolve();
  }

  /** Refuses every waiter: the server is stopping. */
  close(): void {
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error('the embedded database is stopping'));
    }
  }
}

/** One frontend message: a type byte and an int32 length that counts itself. */
function message(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

const cString = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');
const simpleQuery = (sql: string): Buffer => message(TYPE.query, cString(sql));
const SYNC = message(TYPE.sync, Buffer.alloc(0));

/** A backend ErrorResponse (severity, SQLSTATE, message) followed, when asked, by ReadyForQuery. */
function errorResponse(sqlState: string, text: string, readyStatus?: 'I'): Buffer {
  const fields = Buffer.concat([cString('SERROR'), cString('VERROR'), cString(`C${sqlState}`), cString(`M${text}`), Buffer.from([0])]);
  const error = message(0x45, fields);
  return readyStatus === undefined ? error : Buffer.concat([error, message(TYPE.readyForQuery, Buffer.from(readyStatus))]);
}

/** Reads a NUL-terminated string at `offset`; returns it and the offset after the NUL. */
function readCString(buffer: Buffer, offset: number): [string, number] {
  const end = buffer.indexOf(0, offset);
  return [buffer.toString('utf8', offset, end), end + 1];
}

/** LISTEN / UNLISTEN statements in a simple query's text (the way pg sends them). */
const LISTEN_STATEMENT = /\b(un)?listen\s+("(?:[^"]|"")+"|[a-z_][\w$]*|\*)/gi;

class Connection {
  readonly #server: SessionServer;
  readonly #socket: Socket;
  #input: Buffer = Buffer.alloc(0);
  #started = false;
  /** Messages are handled strictly in order, one at a time. */
  #work: Promise<void> = Promise.resolve();
  /** After a refused wait: the rest of the extended-protocol batch is dropped up to its Sync. */
  #discardingUntilSync = false;
  #transactionStatus = 'I';
  readonly statements = new Set<string>();
  readonly channels = new Set<string>();
  closed = false;
  readonly id: number;

  constructor(id: number, server: SessionServer, socket: Socket) {
    this.id = id;
    this.#server = server;
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => server.disconnected(this));
  }

  /** Whatever is still queued, then `then`; errors of one message never stop the next. */
  enqueue(then: () => Promise<void>): Promise<void> {
    this.#work = this.#work.then(then).catch(() => {
      this.#socket.destroy();
    });
    return this.#work;
  }

  write(data: Buffer): void {
    if (data.length > 0 && this.#socket.writable) this.#socket.write(data);
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #receive(chunk: Buffer): void {
    this.#input = this.#input.length === 0 ? chunk : Buffer.concat([this.#input, chunk]);
    for (;;) {
      if (!this.#started) {
        if (this.#input.length < 8) return;
        const length = this.#input.readInt32BE(0);
        if (this.#input.length < length) return;
        const code = this.#input.readInt32BE(4);
        const packet = this.#input.subarray(0, length);
        this.#input = this.#input.subarray(length);
        if (code === SSL_REQUEST || code === GSS_ENCRYPTION_REQUEST) {
          this.write(Buffer.from('N'));
        } else if (code === CANCEL_REQUEST) {
          // No backend process to signal; the protocol expects no answer.
          this.destroy();
          return;
        } else {
          this.#started = true;
          const startup = Buffer.from(packet);
          void this.enqueue(() => this.#handle(startup, undefined));
        }
        continue;
      }
      if (this.#input.length < 5) return;
      const length = 1 + this.#input.readInt32BE(1);
      if (this.#input.length < length) return;
      const packet = Buffer.from(this.#input.subarray(0, length));
      this.#input = this.#input.subarray(length);
      void this.enqueue(() => this.#handle(packet, packet[0]));
    }
  }

  async #handle(packet: Buffer, type: number | undefined): Promise<void> {
    if (this.closed) return;
    if (type === TYPE.terminate) {
      this.#socket.end();
      return;
    }
    if (this.#discardingUntilSync) {
      if (type === TYPE.sync) {
        this.#discardingUntilSync = false;
        this.write(message(TYPE.readyForQuery, Buffer.from('I')));
      }
      return;
    }
    try {
      await this.#server.lease.acquire(this, this.#server.waitTimeoutMs);
    } catch (error) {
      const text = (error as Error).message;
      // 55P03 lock_not_available: what a client sees when a lock wait is refused.
      if (type === TYPE.query || type === TYPE.sync || type === undefined) this.write(errorResponse('55P03', text, 'I'));
      else {
        this.write(errorResponse('55P03', text));
        this.#discardingUntilSync = true;
      }
      return;
    }
    // Closed while waiting: keep the lease, cleanUp() ends what the session has of this connection.
    if (this.closed) return;
    if (type === TYPE.query) this.#trackListens(packet);
    if (type === TYPE.parse) this.statements.add(readCString(packet, 5)[0]);
    if (type === TYPE.close && packet[5] === 0x53) this.statements.delete(readCString(packet, 6)[0]);
    const status = await this.#server.execute(this, type === undefined ? packet : this.#namespaced(packet, type));
    if (status !== undefined) {
      this.#transactionStatus = status;
      if (status === 'I') this.#server.lease.release(this);
    }
  }

  /** Prepared statement names, prefixed with this connection's id (the unnamed one stays unnamed). */
  #namespaced(packet: Buffer, type: number): Buffer {
    const rename = (name: string): string => (name === '' ? '' : `c${this.id}:${name}`);
    const body = packet.subarray(5);
    if (type === TYPE.parse) {
      const [name, rest] = readCString(body, 0);
      return message(type, Buffer.concat([cString(rename(name)), body.subarray(rest)]));
    }
    if (type === TYPE.bind) {
      const [portal, afterPortal] = readCString(body, 0);
      const [name, rest] = readCString(body, afterPortal);
      return message(type, Buffer.concat([cString(portal), cString(rename(name)), body.subarray(rest)]));
    }
    if ((type === TYPE.describe || type === TYPE.close) && body[0] === 0x53) {
      const [name, rest] = readCString(body, 1);
      return message(type, Buffer.concat([body.subarray(0, 1), cString(rename(name)), body.subarray(rest)]));
    }
    return packet;
  }

  #trackListens(packet: Buffer): void {
    const [sql] = readCString(packet, 5);
    for (const [, un, rawChannel] of sql.matchAll(LISTEN_STATEMENT)) {
      const channel = rawChannel!.startsWith('"') ? rawChannel!.slice(1, -1).replaceAll('""', '"') : rawChannel!.toLowerCase();
      if (un === undefined) this.channels.add(channel);
      else if (channel === '*') this.channels.clear();
      else this.channels.delete(channel);
    }
  }

  /** After the socket closed: end what the connection left open in the shared session. */
  async cleanUp(): Promise<void> {
    this.closed = true;
    await this.#work;
    const lease = this.#server.lease;
    const midBatch = lease.holds(this);
    const unlisten = [...this.channels].filter((channel) => !this.#server.isListenedToByOthers(channel, this));
    if (!midBatch && this.#transactionStatus === 'I' && this.statements.size === 0 && unlisten.length === 0) return;
    await lease.acquire(this, undefined);
    try {
      // A batch cut off before its Sync leaves the session waiting for one.
      let status = midBatch ? await this.#server.execute(this, SYNC, false) : this.#transactionStatus;
      if (status !== 'I') status = await this.#server.execute(this, simpleQuery('ROLLBACK'), false);
      const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;
      const statements = [...this.statements].filter((name) => name !== '').map((name) => `DEALLOCATE ${quote(`c${this.id}:${name}`)}`);
      const channels = unlisten.map((channel) => `UNLISTEN ${quote(channel)}`);
      if (statements.length + channels.length > 0) await this.#server.execute(this, simpleQuery([...statements, ...channels].join('; ')), false);
    } finally {
      lease.release(this);
    }
  }
}

class SessionServer implements EmbeddedServer {
  readonly lease = new SessionLease();
  readonly waitTimeoutMs: number;
  readonly #db: PGlite;
  readonly #connections = new Set<Connection>();
  readonly #cleanUps = new Set<Promise<void>>();
  #nextId = 1;
  #stopping = false;
  readonly server: Server;

  constructor(options: EmbeddedServerOptions) {
    this.#db = options.db;
    this.waitTimeoutMs = options.waitTimeoutMs;
    this.server = createServer((socket) => {
      if (this.#stopping) socket.destroy();
      else this.#connections.add(new Connection(this.#nextId++, this, socket));
    });
  }

  /**
   * Runs one message on the session and answers `connection`, routing notifications to their
   * listeners. Returns the transaction status of the last ReadyForQuery, if the answer had one.
   */
  async execute(connection: Connection, packet: Buffer, answer = true): Promise<string | undefined> {
    const chunks: Buffer[] = [];
    await this.#db.runExclusive(() => this.#db.execProtocolRawStream(packet, { onRawData: (chunk) => chunks.push(Buffer.from(chunk)) }));
    const output = Buffer.concat(chunks);
    const kept: Buffer[] = [];
    let status: string | undefined;
    for (let offset = 0; offset + 5 <= output.length;) {
      const end = offset + 1 + output.readInt32BE(offset + 1);
      const backendMessage = output.subarray(offset, end);
      if (backendMessage[0] === TYPE.readyForQuery) status = String.fromCharCode(backendMessage[5]!);
      if (backendMessage[0] === TYPE.notification) this.#notify(backendMessage);
      else kept.push(backendMessage);
      offset = end;
    }
    if (answer) connection.write(Buffer.concat(kept));
    return status;
  }

  isListenedToByOthers(channel: string, except: Connection): boolean {
    return [...this.#connections].some((connection) => connection !== except && !connection.closed && connection.channels.has(channel));
  }

  #notify(notification: Buffer): void {
    const [channel] = readCString(notification, 9);
    for (const connection of this.#connections) {
      if (!connection.closed && connection.channels.has(channel)) connection.write(notification);
    }
  }

  disconnected(connection: Connection): void {
    if (this.#stopping) {
      connection.closed = true;
      this.#connections.delete(connection);
      return;
    }
    const cleanUp = connection
      .cleanUp()
      .catch(() => undefined)
      .finally(() => {
        this.#connections.delete(connection);
        this.#cleanUps.delete(cleanUp);
      });
    this.#cleanUps.add(cleanUp);
  }

  async listen(path: string): Promise<void> {
    await this.#db.waitReady;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    // Clean-ups already running finish first: they may be rolling a transaction back.
    await Promise.all(this.#cleanUps);
    this.#stopping = true;
    this.lease.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.#connections) connection.destroy();
    await closed;
    // Work already queued on a connection sees `closed` and touches nothing.
    await Promise.all([...this.#connections].map((connection) => connection.enqueue(async () => undefined)));
  }
}

/** Serves `db` on the Unix socket `path`, one unit of work at a time (see the module comment). */
export async function serveEmbeddedDatabase(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const server = new SessionServer(options);
  await server.listen(options.path);
  return server;
}
