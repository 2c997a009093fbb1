import { relative } from "node:path";
import type { Reporter, TestModule, Vitest } from "vitest/node";
import { skipGroupOf, type SkipGroup } from "./skip-groups.js";

/**
 * Ends a run with one line naming every group of tests that skipped and how to enable it, so that
 * a skip is not lost in the output above. A run where nothing skipped says so; a run filtered by
 * test name (`-t`) skips on purpose and gets no line.
 */
export class SkippedGroupsReporter implements Reporter {
  private root = process.cwd();
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.filtered = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (testModules.length === 0 || this.filtered) return;
    process.stdout.write(`${skippedLine(this.root, testModules)}\n`);
  }
}

/** The summary line: each group that skipped for lack of a part, with the remedy, then any other skipped test. */
export function skippedLine(
  root: string,
  testModules: ReadonlyArray<TestModule>,
  groupOf: (file: string, fullName: string) => SkipGroup | undefined = skipGroupOf,
): string {
  const groups = new Map<SkipGroup, string>();
  const others: string[] = [];
  for (const module of testModules) {
    const file = relative(root, module.moduleId);
    for (const test of module.children.allTests()) {
      if (test.result().state !== "skipped") continue;
      const group = groupOf(file, test.fullName);
      const reason = group === undefined ? undefined : (groups.get(group) ?? group.missing());
      if (group !== undefined && reason !== undefined) groups.set(group, reason);
      else others.push(`${file} > ${test.fullName}`);
    }
  }
  const parts = [...groups].map(([g, reason]) => `${g.name} (${reason}; to enable: ${g.enable})`);
  if (others.length > 0) parts.push(`${others.length} other test(s): ${others.join(", ")}`);
  return parts.length === 0 ? "Skipped: nothing, every test group ran." : `Skipped: ${parts.join("; ")}`;
}
