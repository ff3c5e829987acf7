import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { spawn } from "node:child_process";
import {
  AcmeStorage,
  certificateFileName,
  ensurePrivateDir,
  writeFileAtomic,
} from "../../src/acme/storage.ts";

const root = mkdtempSync(join(tmpdir(), "pmmux-acme-storage-"));
let n = 0;
const fresh = () => join(root, `case-${++n}`);
const mode = (path: string) => statSync(path).mode & 0o777;

describe("ACME storage", () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  test("writeCertificate() creates 0700 directories and a 0600 file holding the key then the chain", () => {
    const old = process.umask(0o022);
    try {
      const s = new AcmeStorage(join(fresh(), "acme"));
      s.writeCertificate(
        "example.com",
        "-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n",
        "CHAIN\n",
      );
      assert.equal(mode(s.dir), 0o700);
      assert.equal(mode(join(s.dir, "certificates")), 0o700);
      const file = s.certificatePath("example.com");
      assert.equal(mode(file), 0o600);
      assert.equal(
        readFileSync(file, "utf8"),
        "-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\nCHAIN\n",
      );
      assert.equal(s.readCertificate("example.com"), readFileSync(file, "utf8"));
    } finally {
      process.umask(old);
    }
  });

  test("an existing directory with wider permissions is narrowed to 0700", () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    ensurePrivateDir(dir);
    assert.equal(mode(dir), 0o700);
  });

  test("the account key is stored as account.key with mode 0600 and read back", () => {
    const s = new AcmeStorage(fresh());
    assert.equal(s.readAccountKey(), undefined);
    s.writeAccountKey("KEY");
    assert.equal(s.readAccountKey(), "KEY");
    assert.equal(mode(s.accountKeyPath), 0o600);
  });

  test("a missing certificate reads as undefined; a wildcard gets a file name of its own", () => {
    const s = new AcmeStorage(fresh());
    assert.equal(s.readCertificate("example.com"), undefined);
    assert.equal(certificateFileName("*.Example.com"), "_wildcard.example.com.pem");
    assert.equal(certificateFileName("example.com"), "example.com.pem");
  });

  test("writeFileAtomic() replaces the file whole and leaves no temporary file", () => {
    const dir = fresh();
    mkdirSync(dir);
    const file = join(dir, "f.pem");
    writeFileSync(file, "old", { mode: 0o644 });
    writeFileAtomic(file, "new contents");
    assert.equal(readFileSync(file, "utf8"), "new contents");
    assert.equal(mode(file), 0o600);
    assert.deepEqual(readdirSync(dir), ["f.pem"]);
  });

  test("writeFileAtomic() that cannot rename keeps the old file and removes its temporary file", () => {
    const dir = fresh();
    mkdirSync(join(dir, "target"), { recursive: true });
    writeFileSync(join(dir, "target", "inside"), "kept");
    // Renaming a file over a non-empty directory fails: the write must leave everything as it was.
    assert.throws(() => writeFileAtomic(join(dir, "target"), "new"));
    assert.deepEqual(readdirSync(dir), ["target"]);
    assert.equal(readFileSync(join(dir, "target", "inside"), "utf8"), "kept");
  });

  test("writes are atomic: another process reading meanwhile sees the old or the new file, never part of one", async () => {
    const dir = fresh();
    mkdirSync(dir);
    const file = join(dir, "cert.pem");
    const size = 512 * 1024;
    const a = "A".repeat(size);
    const b = "B".repeat(size);
    writeFileAtomic(file, a);
    // The reader prints, per read, the byte count and the letters seen (squeezed): "524288 A" or "524288 B".
    const reader = spawn("sh", [
      "-c",
      'for i in $(seq 150); do printf "%s %s\\n" "$(wc -c < "$1")" "$(tr -s AB < "$1")"; done',
      "sh",
      file,
    ]);
    let out = "";
    reader.stdout.on("data", (d) => out += String(d));
    let done = false;
    reader.on("close", () => done = true);
    let writes = 0;
    while (!done) {
      writeFileAtomic(file, writes++ % 2 ? a : b);
      await new Promise((r) => setTimeout(r, 1));
    }
    const reads = out.trim().split("\n");
    assert.equal(reads.length, 150);
    for (const line of reads) assert.match(line, new RegExp(`^${size} [AB]$`), `a reader saw "${line}"`);
    assert.ok(writes > 10, `only ${writes} writes happened during the reads`);
    assert.deepEqual(readdirSync(dir), ["cert.pem"]);
  });
});
