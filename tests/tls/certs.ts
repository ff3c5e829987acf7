/**
 * Test certificates made with the `openssl` CLI in a temporary directory: a CA, leaves signed by it or
 * self-signed (RSA or EC), and the same leaf as PKCS#12 and DER.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Paths of one certificate's files. */
export interface CertFiles {
  /** Leaf certificate, PEM. */
  cert: string;
  /** Private key, PEM (PKCS#8). */
  key: string;
  /** Leaf then issuer, PEM (the leaf alone when self-signed). */
  chain: string;
}

/** True when the `openssl` CLI runs. */
export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "pipe", timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Makes certificates in its own temporary directory; `cleanup()` removes it. */
export class CertFactory {
  readonly dir: string = mkdtempSync(join(tmpdir(), "pmmux-tls-"));
  #n = 0;

  /** A self-signed CA. */
  ca(cn = "pmmux Test CA"): CertFiles {
    const base = this.#path("ca");
    this.#key(`${base}.key`, "ec");
    openssl([
      "req",
      "-x509",
      "-key",
      `${base}.key`,
      "-out",
      `${base}.pem`,
      "-days",
      "30",
      "-subj",
      `/CN=${cn}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    return { cert: `${base}.pem`, key: `${base}.key`, chain: `${base}.pem` };
  }

  /** A server certificate for `cn` (and `sans`, default `[cn]`), signed by `ca` or self-signed. */
  leaf(
    cn: string,
    options: { sans?: string[]; ca?: CertFiles; keyType?: "rsa" | "ec"; days?: number } = {},
  ): CertFiles {
    const base = this.#path("leaf");
    this.#key(`${base}.key`, options.keyType ?? "ec");
    const san = `subjectAltName=${(options.sans ?? [cn]).map((n) => `DNS:${n}`).join(",")}`;
    const days = String(options.days ?? 30);
    if (options.ca) {
      writeFileSync(`${base}.ext`, `${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
      openssl(["req", "-new", "-key", `${base}.key`, "-subj", `/CN=${cn}`, "-out", `${base}.csr`]);
      openssl([
        "x509",
        "-req",
        "-in",
        `${base}.csr`,
        "-CA",
        options.ca.cert,
        "-CAkey",
        options.ca.key,
        "-CAcreateserial",
        "-days",
        days,
        "-out",
        `${base}.pem`,
        "-extfile",
        `${base}.ext`,
      ]);
      writeFileSync(
        `${base}.chain.pem`,
        readFileSync(`${base}.pem`, "utf8") + readFileSync(options.ca.cert, "utf8"),
      );
      return { cert: `${base}.pem`, key: `${base}.key`, chain: `${base}.chain.pem` };
    }
    openssl([
      "req",
      "-x509",
      "-key",
      `${base}.key`,
      "-out",
      `${base}.pem`,
      "-days",
      days,
      "-subj",
      `/CN=${cn}`,
      "-addext",
      san,
    ]);
    return { cert: `${base}.pem`, key: `${base}.key`, chain: `${base}.pem` };
  }

  /** The leaf, its key and its chain as PKCS#12 with `password` (OpenSSL 3 default: AES-256, PBKDF2). */
  pkcs12(files: CertFiles, password: string, legacy = false): string {
    const out = this.#path("p12") + ".p12";
    openssl([
      "pkcs12",
      "-export",
      "-in",
      files.chain,
      "-inkey",
      files.key,
      "-out",
      out,
      "-passout",
      `pass:${password}`,
      ...(legacy ? ["-legacy"] : []),
    ]);
    return out;
  }

  /** The leaf certificate and its key as DER files. */
  der(files: CertFiles): { cert: string; key: string } {
    const base = this.#path("der");
    openssl(["x509", "-in", files.cert, "-outform", "DER", "-out", `${base}.der`]);
    openssl(["pkey", "-in", files.key, "-outform", "DER", "-out", `${base}.key.der`]);
    return { cert: `${base}.der`, key: `${base}.key.der` };
  }

  /** Writes `text` to a new file and returns its path. */
  write(name: string, text: string | Uint8Array): string {
    const path = join(this.dir, name);
    writeFileSync(path, text);
    return path;
  }

  /** Removes the directory. */
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  #key(path: string, type: "rsa" | "ec"): void {
    openssl(
      type === "ec"
        ? ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path]
        : ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path],
    );
  }

  #path(kind: string): string {
    return join(this.dir, `${kind}${++this.#n}`);
  }
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: "pipe", timeout: 20000 });
}

/** Reads a file as text. */
export function text(path: string): string {
  return readFileSync(path, "utf8");
}
