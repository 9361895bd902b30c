// E2B-style time to interactive against `pyro serve` (scripts/bench, BENCH_ONLY=e2b): for each run,
// the time from Sandbox.create() to the first byte of the first command's output, then kill.
// Prints one JSON line: {"ms": [...]}. Same three variables as sdk-tour.mjs; RUNS (default 10).
import { Sandbox } from 'e2b'

const runs = Number(process.env.RUNS || 10)
const ms = []
for (let i = 0; i < runs; i++) {
  const t0 = performance.now()
  const sbx = await Sandbox.create(process.env.E2B_TEMPLATE || 'base', { timeoutMs: 300_000 })
  let first
  try {
    await sbx.commands.run('echo ready', { onStdout: () => { first ??= performance.now() } })
  } finally {
    await sbx.kill()
  }
  if (first === undefined) throw new Error('the first command printed nothing')
  ms.push(Math.round(first - t0))
}
console.log(JSON.stringify({ ms }))
