// Verifies ANS-104 data items with the npm `@dha-team/arbundles` verifier.
// Usage: node verify-item.mjs FILE...
// Prints one JSON line per file: {file, valid, id, owner, tags}; exits 1 if any is invalid.
import { readFileSync } from "node:fs"
import { DataItem } from "@dha-team/arbundles"

let allValid = true
for (const file of process.argv.slice(2)) {
  const bytes = readFileSync(file)
  let report
  try {
    const valid = await DataItem.verify(bytes)
    const item = new DataItem(bytes)
    report = {
      file,
      valid,
      id: valid ? item.id : null,
      owner: item.owner,
      target: item.target,
      anchor: item.anchor,
      tags: item.tags,
      dataSize: item.rawData.length,
    }
  } catch (e) {
    report = { file, valid: false, error: String(e) }
  }
  if (!report.valid) allValid = false
  process.stdout.write(JSON.stringify(report) + "\n")
}
process.exit(allValid ? 0 : 1)
