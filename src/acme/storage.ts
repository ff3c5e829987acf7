/**
 * Where ACME keeps its state (`--acme-storage-path`): the account key and one PEM file per certificate (its
 * private key followed by the full chain, so the pair is replaced as one). The directories are mode 0700, the
 * files 0600, and every write goes to a temporary file in the same directory that is then renamed over the old
 * one, so a crash leaves either the old file or the new one, never a half-written one.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/** Mode of the storage directories. */
export const DIR_MODE = 0o700;
/** Mode of every file written. */
export const FILE_MODE = 0o600;

/**
 * Writes a file atomically with mode 0600: a temporary file beside it is written, flushed to disk and renamed
 * over `path`.
 *
 * @throws {Error} from the file system (the temporary file is removed first)
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = FILE_MODE): void {
  const temp = `${path}.tmp-${randomBytes(6).toString("hex")}`;
  const fd = openSync(temp, "wx", mode);
  try {
    try {
      chmodSync(temp, mode); // the umask may have taken bits away; never adds any beyond `mode`
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      let done = 0;
      while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch { /* already gone */ }
    throw err;
  }
}

/** Creates a directory (and its parents) and makes sure it is mode 0700. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: DIR_MODE });
  if ((statSync(path).mode & 0o777) !== DIR_MODE) chmodSync(path, DIR_MODE);
}

/** The file name a domain's certificate is kept under (`*.example.com` → `_wildcard.example.com.pem`). */
export function certificateFileName(domain: string): string {
  // CAs never issue names with underscores, so `_wildcard` cannot collide with a real name.
  return `${domain.toLowerCase().replace(/^\*\./, "_wildcard.")}.pem`;
}

/**
 * The ACME storage directory.
 *
 * @example
 * ```ts
 * const storage = new AcmeStorage("./acme");
 * storage.writeCertificate("example.com", keyPem, chainPem); // ./acme/certificates/example.com.pem
 * storage.readCertificate("example.com"); // key + chain, PEM
 * ```
 */
export class AcmeStorage {
  /** The directory. */
  readonly dir: string;

  /** @param dir the directory (`--acme-storage-path`); created on the first write */
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Path of the account key. */
  get accountKeyPath(): string {
    return join(this.dir, "account.key");
  }

  /** Path of a domain's certificate file. */
  certificatePath(domain: string): string {
    return join(this.dir, "certificates", certificateFileName(domain));
  }

  /** The account key (PEM), undefined when none was stored yet. */
  readAccountKey(): string | undefined {
    return readIfExists(this.accountKeyPath);
  }

  /** Stores the account key. */
  writeAccountKey(pem: string): void {
    ensurePrivateDir(this.dir);
    writeFileAtomic(this.accountKeyPath, pem);
  }

  /** A domain's stored certificate file (key and chain, PEM), undefined when there is none. */
  readCertificate(domain: string): string | undefined {
    return readIfExists(this.certificatePath(domain));
  }

  /** Stores a domain's private key and full chain in one file, replacing the previous one atomically. */
  writeCertificate(domain: string, keyPem: string, chainPem: string): void {
    ensurePrivateDir(this.dir);
    ensurePrivateDir(join(this.dir, "certificates"));
    const text = `${keyPem.trim()}\n${chainPem.trim()}\n`;
    writeFileAtomic(this.certificatePath(domain), text);
  }
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") return undefined;
    throw err;
  }
}
