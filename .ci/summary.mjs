#!/usr/bin/env node
// Prints the closing line of a CI run, `N passed, N failed`, from the vitest
// JSON report (.tmp/vitest.json, written by the "json" reporter configured in
// vitest.config.ts).
//
//   passed = numPassedTests
//   failed = numFailedTests
//          + test files that failed without a failing test (import/collect
//            errors, failing beforeAll/afterAll hooks, ...)
//          + 1 if the test command (`--exit-code N`, N != 0) failed although
//            the report shows no failure (e.g. unhandled errors, which the JSON
//            report does not record)
//          + 1 if the report is missing (vitest never ran or never finished,
//            e.g. typecheck failed first).
//
// Options: --exit-code N (status of the test command), --report PATH.
//
// Exits non-zero if failed > 0, if no test passed (an empty run is a defect),
// or if the report is missing. The closing line is always the last line.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const reportIndex = args.indexOf("--report");
const reportPath = reportIndex >= 0 ? path.resolve(args[reportIndex + 1]) : path.join(root, ".tmp", "vitest.json");
const exitCodeIndex = args.indexOf("--exit-code");
const commandExitCode = exitCodeIndex >= 0 ? Number(args[exitCodeIndex + 1]) : 0;

const notes = [];
let passed = 0;
let failed = 0;

let report;
try {
  report = JSON.parse(readFileSync(reportPath, "utf8"));
} catch (error) {
  notes.push(
    `summary: cannot read ${path.relative(root, reportPath)} (${error.code ?? error.message}): ` +
      "vitest did not run or did not finish (see the output above, e.g. a typecheck failure)",
  );
}

if (report) {
  passed = Number(report.numPassedTests ?? 0);
  failed = Number(report.numFailedTests ?? 0);
  for (const file of report.testResults ?? []) {
    const failingTests = (file.assertionResults ?? []).filter((t) => t.status === "failed").length;
    if (file.status === "failed" && failingTests === 0) {
      failed += 1;
      const firstLine = String(file.message ?? "").split("\n")[0];
      notes.push(`summary: ${path.relative(root, file.name)} failed outside any test: ${firstLine || "(a suite or hook failed; see the output above)"}`);
    }
  }
  if (commandExitCode !== 0 && failed === 0) {
    failed += 1;
    notes.push(`summary: the test command exited with ${commandExitCode} although no test failed (unhandled error?)`);
  }
  if (passed === 0) notes.push("summary: no test passed — an empty run is a defect");
} else {
  failed += 1;
}

for (const note of notes) console.log(note);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = !report || failed > 0 || passed === 0 ? 1 : 0;
