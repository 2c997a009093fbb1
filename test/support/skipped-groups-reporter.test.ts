import type { TestModule } from "vitest/node";
import { describe, expect, it } from "vitest";
import type { SkipGroup } from "./skip-groups.js";
import { skippedLine } from "./skipped-groups-reporter.js";

type State = "passed" | "failed" | "skipped";

/** A finished test module as the reporter reads it: its file and its tests' names and states. */
function testModule(file: string, tests: [string, State][]): TestModule {
  const cases = tests.map(([fullName, state]) => ({ fullName, result: () => ({ state }) }));
  return { moduleId: `/repo/${file}`, children: { allTests: () => cases.values() } } as unknown as TestModule;
}

const browser: SkipGroup = { name: "browser", file: "test/b.test.ts", missing: () => "/usr/bin/browser not found", enable: "apt-get install -y browser" };
const tool: SkipGroup = { name: "tool", file: "test/t.test.ts", tests: /uses the tool/, missing: () => "tool 1.0, not 2.x", enable: "apt-get install -y tool" };
// A group that has what it needs: its tests skipped for another reason (`.only` elsewhere, say).
const present: SkipGroup = { name: "present", file: "test/p.test.ts", missing: () => undefined, enable: "nothing" };
const groups = [browser, tool, present];
const groupOf = (file: string, fullName: string) => groups.find((g) => g.file === file && (g.tests?.test(fullName) ?? true));

describe("the skipped-groups line", () => {
  it("says nothing skipped when every test ran", () => {
    const line = skippedLine("/repo", [testModule("test/a.test.ts", [["a", "passed"], ["b", "failed"]])], groupOf);
    expect(line).toBe("Skipped: nothing, every test group ran.");
  });

  it("names each skipped group once with its reason and remedy, and any other skipped test by file and name", () => {
    const line = skippedLine(
      "/repo",
      [
        testModule("test/b.test.ts", [["browser > shows keys", "skipped"], ["browser > reconnects", "skipped"]]),
        testModule("test/t.test.ts", [["tool > runs without it", "passed"], ["tool > uses the tool", "skipped"]]),
        testModule("test/p.test.ts", [["present > one", "skipped"]]),
        testModule("test/a.test.ts", [["a later feature", "skipped"]]),
      ],
      groupOf,
    );
    expect(line).toBe(
      "Skipped: browser (/usr/bin/browser not found; to enable: apt-get install -y browser); " +
        "tool (tool 1.0, not 2.x; to enable: apt-get install -y tool); " +
        "2 other test(s): test/p.test.ts > present > one, test/a.test.ts > a later feature",
    );
  });
});
