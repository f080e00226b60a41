// Extract every ```ts block of README.md, docs/*.md and the JSDoc of src/ into .tmp/docs/ so that
// `tsc -p tsconfig.docs.json` type-checks them against src/ (imported as
// "effect-quarry"). A block that starts with `// no-check` is skipped.
import * as fs from "node:fs"
import * as path from "node:path"

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..")
const out = path.join(root, ".tmp", "docs")
fs.rmSync(out, { recursive: true, force: true })
fs.mkdirSync(out, { recursive: true })

// examples may use the guide models without declaring them
const prelude = (code, from) => {
  const names = ["User", "Users", "Post", "Posts"].filter(
    (n) => new RegExp(`\\b${n}\\b`).test(code) && !new RegExp(`(class|const|let|import[^\\n]*)\\s*\\b${n}\\b`).test(code)
  )
  return names.length === 0 ? code : `import { ${names.join(", ")} } from "${from}"\n${code}`
}
const modelPath = path.relative(out, path.join(root, "docs", "examples", "model.js"))

const sources = [
  "README.md",
  ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)
]
let count = 0
for (const file of sources) {
  const text = fs.readFileSync(path.join(root, file), "utf8")
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1])
  blocks.forEach((code, i) => {
    if (code.startsWith("// no-check")) return
    const name = `${file.replace(/[^A-Za-z0-9]/g, "_")}_${i + 1}.ts`
    // each block is its own module
    // guides import their shared models relative to docs/
    const relocated = code.split(`"./examples/`).join(`"${path.relative(out, path.join(root, "docs", "examples"))}/`)
    fs.writeFileSync(path.join(out, name), prelude(relocated, modelPath) + "\nexport {}\n")
    count++
  })
}
// JSDoc examples in src/: " * " prefixes stripped
const walk = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []
  )
for (const file of walk(path.join(root, "src"))) {
  const text = fs.readFileSync(file, "utf8")
  const blocks = [...text.matchAll(/^\s*\* ```ts\n([\s\S]*?)^\s*\* ```/gm)].map((m) =>
    m[1].split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n")
  )
  blocks.forEach((code, i) => {
    const rel = path.relative(root, file)
    fs.writeFileSync(path.join(out, `${rel.replace(/[^A-Za-z0-9]/g, "_")}_${i + 1}.ts`), prelude(code, modelPath) + "\nexport {}\n")
    count++
  })
}
console.log(`docs: ${count} code blocks extracted for type checking`)
