// A loopback npm registry the test owns: it serves create-microforge's packument and tarballs
// (releases the test packed itself) and sends every other request to the public registry (a
// redirect npm and pacote follow), so a test can publish a release without publishing it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerCleanup } from './cleanup.js';

export interface PublishedRelease {
  /** The package.json inside the tarball. */
  manifest: Record<string, unknown> & { name: string; version: string };
  tarball: string;
}

export interface RegistryStandIn {
  url: string;
  /** Request paths served, in order (to assert what was fetched from here). */
  served: string[];
  close(): Promise<void>;
}

const UPSTREAM = 'https://registry.npmjs.org';

export async function startRegistryStandIn(releases: readonly PublishedRelease[]): Promise<RegistryStandIn> {
  const name = releases[0]!.manifest.name;
  const files = new Map<string, Buffer>();
  const served: string[] = [];
  let base = '';
  const packument = () => {
    const versions: Record<string, unknown> = {};
    for (const release of releases) {
      const data = files.get(release.manifest.version)!;
      versions[release.manifest.version] = {
        ...release.manifest,
        dist: {
          tarball: `${base}/${name}/-/${name}-${release.manifest.version}.tgz`,
          integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`,
          shasum: createHash('sha1').update(data).digest('hex'),
        },
      };
    }
    const latest = [...releases].map((release) => release.manifest.version).sort().pop()!;
    return { name, 'dist-tags': { latest }, versions };
  };
  for (const release of releases) files.set(release.manifest.version, readFileSync(release.tarball));

  const server = http.createServer((request, response) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0]!);
    served.push(path);
    if (path === `/${name}`) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(packument()));
      return;
    }
    const tarball = new RegExp(`^/${name}/-/${name}-(.+)\\.tgz$`).exec(path);
    if (tarball && files.has(tarball[1]!)) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(files.get(tarball[1]!));
      return;
    }
    response.writeHead(307, { location: `${UPSTREAM}${request.url ?? '/'}` });
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  registerCleanup(`registry stand-in ${base}`, close);
  return { url: `${base}/`, served, close };
}
