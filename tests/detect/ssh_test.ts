import { describe, test } from "node:test";
import { ssh } from "../../src/detect/ssh.ts";
import { assertCase, assertMoreAtEveryCut, assertNeverThrows, type Case, fixture, text } from "./helpers.ts";

const banner = fixture("ssh_banner.txt");

const cases: Case[] = [
  { name: "the OpenSSH client banner (ssh -v)", bytes: banner, transport: "tcp", want: "match" },
  { name: "an SSH 1.99 banner", bytes: text("SSH-1.99-Cisco-1.25\r\n"), transport: "tcp", want: "match" },
  { name: "a lower-case banner", bytes: text("ssh-2.0-x\r\n"), transport: "tcp", want: "no" },
  {
    name: "an SSH banner after a blank line",
    bytes: text("\r\nSSH-2.0-x\r\n"),
    transport: "tcp",
    want: "no",
  },
  { name: "SSH without the dash", bytes: text("SSH 2.0"), transport: "tcp", want: "no" },
  { name: "an HTTP request", bytes: fixture("http_get_curl.txt"), transport: "tcp", want: "no" },
];

describe("ssh detector", () => {
  for (const c of cases) {
    test(`ssh.detect() answers ${c.want} for ${c.name}`, () => assertCase(ssh, c));
  }
  test("ssh.detect() answers more at every cut below four bytes", () => assertMoreAtEveryCut(ssh, banner, 4));
  test("ssh.detect() never throws on random bytes", () => assertNeverThrows(ssh, [banner]));
});
