/**
 * `pmmux install` / `pmmux uninstall` (SPEC §18): the unit written under `--root` by the single binary and by
 * runs from source, `systemd-analyze verify` on it when available, argument quoting, and the errors.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { quoteExecArg, renderUnit, splitArguments } from "../../src/cli/install.ts";
import { buildBinary, type Built, ROOT, runCommand, sourceCommand } from "./helpers.ts";

const UNIT = "etc/systemd/system/pmmux.service";

/** The unit `install` must write for `exec` and the already-quoted `args`. */
function expectedUnit(execStart: string): string {
  return `# Written by pmmux install; pmmux uninstall removes it.
[Unit]
Description=pmmux port multiplexer
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=${execStart}
WorkingDirectory=/var/lib/pmmux
StateDirectory=pmmux
LogsDirectory=pmmux
Restart=on-failure
RestartSec=2s
TimeoutStopSec=30s
DynamicUser=yes
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes

[Install]
WantedBy=multi-user.target
`;
}

/** A shell-quoted `--arguments` value with a space, quotes, a backslash, `$` and `%`. */
const ARGUMENTS = `-c pmmux.toml -b 'ssh:pass:detect=ssh,target.ip=127.0.0.1,target.port=22' ` +
  `-b "re:pass:detect=regex:^GET\\\\ /a\\\\.b%20\\$,target.ip=127.0.0.1,target.port=80" -v debug`;
/** The same words as systemd must see them in ExecStart. */
const QUOTED = `-c pmmux.toml -b ssh:pass:detect=ssh,target.ip=127.0.0.1,target.port=22 ` +
  `-b "re:pass:detect=regex:^GET\\\\ /a\\\\.b%%20$$,target.ip=127.0.0.1,target.port=80" -v debug`;

function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), "pmmux-install-"));
}

describe("pmmux install", () => {
  let bin: Built;
  before(async () => {
    bin = await buildBinary();
  });

  test("splitArguments() splits like a shell: quotes, escapes, no expansion", () => {
    const cases: [string, string[]][] = [
      ["", []],
      ["  -c   pmmux.toml ", ["-c", "pmmux.toml"]],
      [`-c "/etc/my pmmux/x.toml"`, ["-c", "/etc/my pmmux/x.toml"]],
      [`-b 'a:pass:x="1"'`, ["-b", 'a:pass:x="1"']],
      [`-b "a\\"b\\\\c\\d"`, ["-b", 'a"b\\c\\d']],
      [`a\\ b x'y'"z"`, ["a b", "xyz"]],
      [`-x ''`, ["-x", ""]],
      ["$HOME ~ *", ["$HOME", "~", "*"]],
    ];
    for (const [text, words] of cases) assert.deepEqual(splitArguments(text), words, text);
    assert.throws(() => splitArguments(`-b "open`), /Unterminated " in/);
    assert.throws(() => splitArguments(`-b 'open`), /Unterminated ' in/);
    assert.throws(() => splitArguments(`-b x\\`), /Trailing backslash/);
  });

  test("quoteExecArg() leaves plain words bare and quotes the rest for systemd", () => {
    const cases: [string, string][] = [
      ["/usr/local/bin/pmmux", "/usr/local/bin/pmmux"],
      ["!:8080:tcp:bind-address=0.0.0.0", "!:8080:tcp:bind-address=0.0.0.0"],
      ["a b", '"a b"'],
      ['x="1"', '"x=\\"1\\""'],
      ["api\\.example", '"api\\\\.example"'],
      ["100%", "100%%"],
      ["$HOME", '"$$HOME"'],
      ["a;b", '"a;b"'],
      ["", '""'],
    ];
    for (const [word, quoted] of cases) assert.equal(quoteExecArg(word), quoted, word);
  });

  test("renderUnit() writes the expected unit", () => {
    assert.equal(
      renderUnit(["/usr/local/bin/pmmux"], splitArguments(ARGUMENTS)),
      expectedUnit(`/usr/local/bin/pmmux ${QUOTED}`),
    );
  });

  test("the binary writes the expected unit and the working directory under --root", async () => {
    const root = tempRoot();
    try {
      const r = await runCommand(bin.path, ["install", "--root", root, "--arguments", ARGUMENTS]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(readFileSync(join(root, UNIT), "utf8"), expectedUnit(`${bin.path} ${QUOTED}`));
      assert.equal(statSync(join(root, UNIT)).mode & 0o777, 0o644);
      assert.ok(statSync(join(root, "var/lib/pmmux")).isDirectory());
      assert.match(r.stdout, /Not enabling the service: --root was given/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("systemd-analyze verify accepts the unit (when systemd-analyze is installed)", async (t) => {
    const root = tempRoot();
    try {
      await runCommand(bin.path, ["install", "--root", root, "--arguments", ARGUMENTS]);
      let r;
      try {
        r = await runCommand("systemd-analyze", ["verify", "--man=no", join(root, UNIT)]);
      } catch {
        t.skip("systemd-analyze is not installed");
        return;
      }
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr.trim(), "", "systemd-analyze printed warnings");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  for (const runtime of ["deno", "bun"] as const) {
    test(`run from source on ${runtime}, ExecStart is the runtime and src/main.ts`, async () => {
      const root = tempRoot();
      try {
        const r = await runCommand(sourceCommand(runtime)[0], [
          ...sourceCommand(runtime).slice(1),
          "install",
          "--root",
          root,
          "--arguments",
          "-c pmmux.toml",
        ]);
        assert.equal(r.code, 0, r.stderr);
        const exec = readFileSync(join(root, UNIT), "utf8").split("\n").find((l) =>
          l.startsWith("ExecStart=")
        );
        const flags = runtime === "deno" ? sourceCommand("deno").slice(2, -1).join(" ") + " " : "";
        const run = runtime === "deno" ? "run " : "";
        assert.equal(
          // npm's bun package names the Linux binary bun.exe.
          exec?.replace(/^ExecStart=\S+\/(deno|bun)(\.exe)? /, "ExecStart=…/$1 "),
          `ExecStart=…/${runtime} ${run}${flags}${join(ROOT, "src/main.ts")} -c pmmux.toml`,
        );
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }

  test("uninstall --root removes the unit and keeps the working directory; a second one fails with 1", async () => {
    const root = tempRoot();
    try {
      assert.equal((await runCommand(bin.path, ["install", "--root", root])).code, 0);
      const r = await runCommand(bin.path, ["uninstall", "--root", root]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!existsSync(join(root, UNIT)));
      assert.ok(existsSync(join(root, "var/lib/pmmux")));
      const again = await runCommand(bin.path, ["uninstall", "--root", root]);
      assert.equal(again.code, 1);
      assert.equal(again.stderr, `pmmux: pmmux.service is not installed: no file "${join(root, UNIT)}"\n`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("bad --arguments exit with 2 and name the problem", async () => {
    const r = await runCommand(bin.path, [
      "install",
      "--root",
      "/nonexistent",
      "--arguments",
      "-c x.toml --bogus",
    ]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'pmmux: Invalid --arguments "-c x.toml --bogus": Unknown option "--bogus" on the command line: ' +
        "see pmmux --help\n",
    );
    const sub = await runCommand(bin.path, ["install", "--root", "/nonexistent", "--arguments", "version"]);
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /expected options for running pmmux, got the command "version"/);
  });

  test("without --root, in a mount namespace with a fake systemd: writes the unit, drives systemctl, reverses it", async (t) => {
    if (process.getuid?.() !== 0 || spawnSync("sh", ["-c", "command -v unshare"]).status !== 0) {
      t.skip("needs root and unshare (util-linux)");
      return;
    }
    // /run, /var/lib and /etc/systemd/system are replaced inside a private mount namespace, and systemctl is a
    // script that logs its arguments: nothing on the host changes, even where systemd really runs.
    const work = tempRoot();
    try {
      mkdirSync(join(work, "bin"));
      mkdirSync(join(work, "units"));
      writeFileSync(join(work, "bin/systemctl"), `#!/bin/sh\necho "$*" >>"${work}/systemctl.log"\n`, {
        mode: 0o755,
      });
      const script = `set -e
mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system
mount -t tmpfs tmpfs /var/lib
mount --bind "$0/units" /etc/systemd/system
"$1" install --arguments "-c pmmux.toml"
test -d /var/lib/pmmux
cp /etc/systemd/system/pmmux.service "$0/installed.service"
"$1" install --arguments "-c other.toml"
"$1" uninstall
test ! -e /etc/systemd/system/pmmux.service`;
      const r = await runCommand("unshare", ["--mount", "--", "sh", "-c", script, work, bin.path], {
        env: { ...process.env, PATH: `${join(work, "bin")}:${process.env.PATH}` },
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(
        readFileSync(join(work, "installed.service"), "utf8"),
        expectedUnit(`${bin.path} -c pmmux.toml`),
      );
      assert.deepEqual(readFileSync(join(work, "systemctl.log"), "utf8").trim().split("\n"), [
        "daemon-reload",
        "enable --now pmmux.service",
        "daemon-reload",
        "enable --now pmmux.service",
        "restart pmmux.service",
        "disable --now pmmux.service",
        "daemon-reload",
      ]);
      assert.match(r.stdout, /Enabled and started pmmux.service/);
      assert.match(r.stdout, /Enabled and restarted pmmux.service/);
      assert.match(r.stdout, /Stopped and disabled pmmux.service; \/var\/lib\/pmmux is kept/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test("without --root: exit 1 when not root, or when systemd is not running", async (t) => {
    const uid = process.getuid?.();
    const systemd = existsSync("/run/systemd/system");
    if (uid === 0 && systemd) {
      t.skip("root on a systemd machine: the test would really install the service");
      return;
    }
    if (uid === 0) {
      for (const command of ["install", "uninstall"]) {
        const r = await runCommand(bin.path, [command]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^pmmux: Cannot (un)?install the service: systemd is not running here/);
      }
      // As an unprivileged user (setpriv is in util-linux).
      const r = await runCommand("setpriv", [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        bin.path,
        "install",
      ]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^pmmux: pmmux install must run as root \(uid is 65534\)/);
    } else {
      const r = await runCommand(bin.path, ["install"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^pmmux: pmmux install must run as root \\(uid is ${uid}\\)`));
    }
  });
});
