/**
 * The Dockerfile's final stage, reproduced without a Docker engine: the directory that `scripts/rootfs.sh`
 * assembles (which that stage copies whole into `FROM scratch`) is entered with `chroot` as the image's user,
 * in fresh mount and network namespaces with `/proc` mounted, as a container runtime does. Needs root and
 * util-linux (`unshare`, `nsenter`), coreutils `chroot` and iproute2 `ip`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import process from "node:process";
import { buildBinary, exchange, freePort, namedServer, ROOT, runCommand, startMux } from "../dist/helpers.ts";

const TOOLS = ["unshare", "nsenter", "chroot", "ip", "mount", "ldd"];
const missing = TOOLS.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
const skip = process.getuid?.() !== 0
  ? "needs root (chroot, namespaces)"
  : missing.length > 0
  ? `needs ${missing.join(", ")}`
  : false;

/** The instructions of the Dockerfile's stages (continuation lines joined, comments dropped). */
function dockerStages(): { keyword: string; args: string }[][] {
  const text = readFileSync(join(ROOT, "Dockerfile"), "utf8").replace(/\\\n/g, " ");
  const stages: { keyword: string; args: string }[][] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m || line.trim().startsWith("#")) continue;
    const instruction = { keyword: m[1].toUpperCase(), args: m[2].trim() };
    if (instruction.keyword === "FROM") stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push("/" + relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

describe("the container image, reproduced with chroot", { skip }, () => {
  const final = dockerStages().at(-1) ?? [];
  const one = (keyword: string) => final.filter((i) => i.keyword === keyword).map((i) => i.args);
  const [uid, gid] = (one("USER")[0] ?? "").split(":");
  const command = [
    ...JSON.parse(one("ENTRYPOINT")[0] ?? "[]"),
    ...JSON.parse(one("CMD")[0] ?? "[]"),
  ] as string[];
  const ports = one("EXPOSE").flatMap((a) => a.split(/\s+/)).filter((p) => !p.endsWith("/udp"))
    .map((p) => Number(p.replace("/tcp", "")));
  let work: string;
  let rootfs: string;

  before(async () => {
    const bin = await buildBinary();
    work = mkdtempSync(join(tmpdir(), "pmmux-container-"));
    rootfs = join(work, "rootfs");
    const r = await runCommand("sh", [
      join(ROOT, "scripts/rootfs.sh"),
      bin.path,
      join(ROOT, "config/pmmux.toml"),
      rootfs,
    ]);
    assert.equal(r.code, 0, r.stderr);
    // The mount point a container runtime creates for /proc.
    mkdirSync(join(rootfs, "proc"));
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("the final stage is FROM scratch, copies only the build stage's rootfs and runs as a non-root user", () => {
    assert.equal(final[0]?.args, "scratch");
    assert.deepEqual(one("COPY"), ["--from=build /rootfs/ /"]);
    const build = dockerStages().find((s) => /\bAS build$/i.test(s[0].args)) ?? [];
    assert.ok(
      build.some((i) =>
        i.keyword === "RUN" && i.args.includes("scripts/rootfs.sh dist/pmmux config/pmmux.toml /rootfs")
      ),
      "the build stage assembles /rootfs with scripts/rootfs.sh",
    );
    assert.match(uid, /^[1-9]\d*$/);
    assert.equal(command[0], "/pmmux");
    assert.ok(ports.length > 0, "EXPOSE lists the demo ports");
  });

  test("the root file system holds the binary, the libraries ldd lists, the user and the demo config only", () => {
    const ldd = spawnSync("ldd", [join(rootfs, "pmmux")], { encoding: "utf8" }).stdout;
    const libs = [...ldd.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
    assert.deepEqual(
      listFiles(rootfs),
      ["/etc/group", "/etc/passwd", "/etc/pmmux/pmmux.toml", ...libs, "/pmmux"].sort(),
    );
    assert.match(
      readFileSync(join(rootfs, "etc/passwd"), "utf8"),
      new RegExp(`^pmmux:x:${uid}:${gid}:`, "m"),
    );
    const size = listFiles(rootfs).reduce((n, f) => n + statSync(join(rootfs, f)).size, 0);
    console.log(
      `image contents: ${(size / 1e6).toFixed(1)} MB in ${
        listFiles(rootfs).length
      } files (${libs.length} libraries)`,
    );
  });

  test("in its own network namespace it serves the demo ports as the image's user, and stops on SIGTERM with 0", async () => {
    // sh -c "$script" <rootfs> <user> <command...>: "$0" is the root, "$1" the user, the rest the command.
    const script = 'root=$0 user=$1; shift; ip link set lo up && mount -t proc proc "$root/proc" && ' +
      'exec chroot --userspec="$user" "$root" "$@"';
    const child = spawn("unshare", [
      "--net",
      "--mount",
      "--",
      "sh",
      "-c",
      script,
      rootfs,
      `${uid}:${gid}`,
      ...command,
    ], {
      env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => out += d);
    child.stderr.on("data", (d) => out += d);
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      child.once("exit", (code, signal) => r({ code, signal }))
    );
    try {
      const deadline = Date.now() + 10000;
      while (!ports.every((p) => out.includes(`Listening on TCP 0.0.0.0:${p}`))) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`Not listening on ${ports}:\n${out}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s`, "m"), "runs as the image's user");
      const client = join(work, "client.mjs");
      writeFileSync(
        client,
        `import { connect } from "node:net";
const s = connect(Number(process.argv.at(-1)), "127.0.0.1", () => s.end("GET / HTTP/1.0\\r\\nHost: demo\\r\\n\\r\\n"));
const timer = setTimeout(() => process.exit(3), 5000);
let text = ""; s.setEncoding("utf8"); s.on("data", (d) => text += d);
s.on("close", () => { clearTimeout(timer); console.log(text); });`,
      );
      const runtime = process.versions.bun ? [process.execPath] : [process.execPath, "run", "-A"];
      for (const port of ports) {
        const r = await runCommand("nsenter", [
          `--net=/proc/${child.pid}/ns/net`,
          ...runtime,
          client,
          String(port),
        ]);
        assert.equal(r.code, 0, r.stderr);
        // The demo backend answers HTTP (http-response) or echoes (echo).
        assert.match(r.stdout, /^(HTTP\/1\.[01] \d{3} |GET \/ HTTP\/1\.0\r\n)/, `port ${port}: ${r.stdout}`);
      }
    } finally {
      if (child.exitCode === null) process.kill(child.pid!, "SIGTERM");
    }
    assert.deepEqual(await exited, { code: 0, signal: null }, out);
    assert.match(out, /SIGTERM received/);
    assert.match(out, /Stopped/);
  });

  test("with the host's network (--network host) it routes two services on one port (smoke)", async () => {
    const alpha = await namedServer("alpha");
    const port = await freePort();
    const script =
      'root=$0 user=$1; shift; mount -t proc proc "$root/proc" && exec chroot --userspec="$user" "$root" "$@"';
    const args = [
      "/pmmux",
      "-p",
      `!:${port}:tcp:bind-address=127.0.0.1`,
      "-b",
      `ssh:pass:detect=ssh,target.ip=127.0.0.1,target.port=${alpha.port}`,
      "-b",
      "echo:echo",
    ];
    try {
      const mux = await startMux(
        ["unshare", "--mount", "--", "sh", "-c", script, rootfs, `${uid}:${gid}`, ...args],
        port,
        {
          env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/" },
        },
      );
      try {
        const ssh = "SSH-2.0-OpenSSH_9.6\r\n";
        assert.equal(await exchange(port, ssh), `alpha\n${ssh}`);
        assert.equal(await exchange(port, "hello\n"), "hello\n");
        console.log(`start-up to listening in the chroot: ${mux.startupMs.toFixed(1)} ms`);
      } finally {
        assert.deepEqual(await mux.stop(), { code: 0, signal: null }, mux.output());
      }
    } finally {
      alpha.close();
    }
  });
});
