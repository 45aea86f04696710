/**
 * Entity tags for versioned resources: the strong ETag `"<version>"`. If-Match uses strong
 * comparison (a weak tag never matches); If-None-Match uses weak comparison (RFC 9110 §13.1).
 */
import { HttpError } from './errors.ts';

export function etagFor(version: number): string {
  return `"${version}"`;
}

export type IfMatch = { kind: 'missing' } | { kind: 'wildcard' } | { kind: 'versions'; versions: number[] };

const STRONG_VERSION_TAG = /^"(\d{1,9})"$/;
const ANY_VERSION_TAG = /^(?:W\/)?"(\d{1,9})"$/;

function tags(header: string): string[] {
  return header
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

export function parseIfMatch(header: string | undefined): IfMatch {
  if (header === undefined || header.trim() === '') return { kind: 'missing' };
  if (header.trim() === '*') return { kind: 'wildcard' };
  const versions: number[] = [];
  for (const tag of tags(header)) {
    const match = STRONG_VERSION_TAG.exec(tag);
    if (match?.[1] !== undefined) versions.push(Number(match[1]));
  }
  return { kind: 'versions', versions };
}

/**
 * The versions a required If-Match allows; 428 when it is missing or '*' (a write must name the
 * version it was based on). `what` names the ETag's source in the message, e.g. "the current item".
 */
export function requiredIfMatchVersions(header: string | undefined, what: string): number[] {
  const ifMatch = parseIfMatch(header);
  if (ifMatch.kind === 'missing') throw new HttpError(428, 'precondition_required', `If-Match with the ETag of ${what} is required`);
  if (ifMatch.kind === 'wildcard') throw new HttpError(428, 'precondition_required', `If-Match must name the ETag of ${what}; '*' is not accepted`);
  return ifMatch.versions;
}

/** True when the client's cached representation (If-None-Match) is still current. */
export function ifNoneMatchHits(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return tags(header).some((tag) => ANY_VERSION_TAG.exec(tag)?.[1] === String(version));
}
