import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { idleLine } from "../../bench/machine.ts";

const VM_CPUINFO = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu vme hypervisor lahf_lm\n";
const METAL_CPUINFO = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu vme lahf_lm\n";

describe("bench machine description", () => {
  test("idleLine() names the driver, the guest's halt polling and a hypervisor", () => {
    assert.equal(idleLine("haltpoll\n", "0\n", VM_CPUINFO), "haltpoll, guest_halt_poll_ns 0, VM");
    assert.equal(idleLine("haltpoll", "200000", VM_CPUINFO), "haltpoll, guest_halt_poll_ns 200000, VM");
  });

  test("idleLine() leaves out what does not apply", () => {
    // The polling limit belongs to the haltpoll driver only; a missing driver file reads as none.
    assert.equal(idleLine("intel_idle\n", "200000", METAL_CPUINFO), "intel_idle");
    assert.equal(idleLine("", "", VM_CPUINFO), "none, VM");
    // "hypervisor" elsewhere than the flags line (a model name, say) is not the flag.
    assert.equal(idleLine("acpi_idle", "", "model name\t: hypervisor edition\nflags\t: fpu\n"), "acpi_idle");
  });
});
