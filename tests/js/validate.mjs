// Validates bsi security notes (docs/formats/security-notes.md) with real
// validators:
//   csaf: @secvisogram/csaf-validator-lib, the strict CSAF 2.0 JSON schema and
//         every mandatory test (section 6.1 of the CSAF 2.0 standard);
//         --optional also runs the optional tests (6.2) and prints their
//         warnings, which never fail the run.
//   osv:  ajv (JSON Schema 2020-12, with ajv-formats) against osv-schema.json
//         beside this file, our schema written from the OSV specification.
//
// Usage: node tests/js/validate.mjs csaf [--optional] FILE...
//        node tests/js/validate.mjs osv FILE...
// Prints every error as "FILE: /json/pointer: message [test]"; exits 0 when
// every file is valid, 1 when any is not, 2 on a usage error.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The validators are imported when needed: the CSAF library takes seconds
// to load.
const csafLib = '@secvisogram/csaf-validator-lib'

const here = dirname(fileURLToPath(import.meta.url))

function usage() {
  console.error('usage: node validate.mjs csaf [--optional] FILE...\n' +
                '       node validate.mjs osv FILE...')
  process.exit(2)
}

function readJson(file, problems) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    problems.push(`${file}: cannot read JSON: ${e.message}`)
    return undefined
  }
}

async function validateCsaf(files, withOptional) {
  // validate.js, not validateStrict.js: the tests below all come from the
  // library itself, and validateStrict.js would load the (slow) informative
  // tests only to check that.
  const { default: validate } = await import(`${csafLib}/validate.js`)
  const { csaf_2_0_strict } = await import(`${csafLib}/schemaTests.js`)
  const mandatory = await import(`${csafLib}/mandatoryTests.js`)
  const tests = [csaf_2_0_strict, ...Object.values(mandatory)]
  const optionalTests = withOptional
    ? Object.values(await import(`${csafLib}/optionalTests.js`))
    : []
  const problems = []
  for (const file of files) {
    const doc = readJson(file, problems)
    if (doc === undefined) continue
    const result = await validate(tests.concat(optionalTests), doc)
    for (const test of result.tests) {
      const isOptional = optionalTests.some((t) => t.name === test.name)
      for (const error of test.errors) {
        const line = `${file}: ${error.instancePath || '/'}: ${error.message} [${test.name}]`
        if (isOptional) {
          console.log(`warning: ${line}`)
        } else {
          problems.push(line)
        }
      }
      for (const warning of test.warnings) {
        console.log(`warning: ${file}: ${warning.instancePath || '/'}: ${warning.message} ` +
                    `[${test.name}]`)
      }
    }
    if (!result.isValid && !problems.some((p) => p.startsWith(`${file}: `))) {
      problems.push(`${file}: invalid (no error message) [csaf-validator-lib]`)
    }
  }
  return problems
}

async function validateOsv(files) {
  const { default: Ajv2020 } = await import('ajv/dist/2020.js')
  const { default: addFormats } = await import('ajv-formats')
  const ajv = new Ajv2020({
    allErrors: true,
    // Strict about the schema itself (unknown keywords, formats), but `required`
    // and `pattern` may sit in if/then/contains without repeating the types.
    strict: true,
    strictRequired: false,
    strictTypes: false,
  })
  addFormats(ajv)
  const validate = ajv.compile(JSON.parse(readFileSync(join(here, 'osv-schema.json'), 'utf8')))
  const problems = []
  for (const file of files) {
    const doc = readJson(file, problems)
    if (doc === undefined) continue
    if (!validate(doc)) {
      for (const error of validate.errors) {
        const detail = Object.keys(error.params).length ? ` ${JSON.stringify(error.params)}` : ''
        problems.push(`${file}: ${error.instancePath || '/'}: ${error.message}${detail} ` +
                      `[${error.schemaPath}]`)
      }
    }
  }
  return problems
}

const [kind, ...rest] = process.argv.slice(2)
const withOptional = rest.includes('--optional')
const files = rest.filter((arg) => arg !== '--optional')
if (files.length === 0 || (kind !== 'csaf' && kind !== 'osv') ||
    (withOptional && kind !== 'csaf')) {
  usage()
}
const problems = kind === 'csaf' ? await validateCsaf(files, withOptional) : await validateOsv(files)
for (const problem of problems) console.log(problem)
console.log(`${kind}: ${files.length} file(s), ${problems.length} error(s)`)
process.exit(problems.length === 0 ? 0 : 1)
