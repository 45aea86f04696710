/**
 * Loaded before the tests (`npm test` passes it to node with --import): when the broker is not
 * reachable, the run stops at once with one line naming it, the URL tried and the command that
 * starts it, instead of every test retrying until a timeout. The adapters retry forever on
 * purpose (a service outlives broker restarts); a test run should not.
 */
import '../../src/development-env.ts';
import amqp from 'amqplib';
import { unreachableWarning } from '../../src/logger.ts';

/** Long enough for a broker under load to answer, short enough to fail the run within seconds. */
const CONNECT_TIMEOUT_MS = 5_000;

const url = process.env['AMQP_URL'];
if (url === undefined || url === '') {
  process.stderr.write('npm test: AMQP_URL is not set: the tests need a RabbitMQ broker (.env.development names the local one)\n');
  process.exit(1);
}
try {
  const connection = await amqp.connect(url, { timeout: CONNECT_TIMEOUT_MS });
  await connection.close();
} catch (error) {
  const [, message] = unreachableWarning('RabbitMQ', url, error, 'rabbitmq');
  process.stderr.write(`npm test: ${message}\n`);
  process.exit(1);
}
