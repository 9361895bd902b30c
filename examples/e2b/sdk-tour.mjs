// E2B's own JS SDK, unchanged, against `pyro serve` (docs/e2b.md). Run it with:
//   E2B_API_URL=http://127.0.0.1:7878 E2B_SANDBOX_URL=http://127.0.0.1:7878 \
//   E2B_API_KEY=$(cat ~/.local/state/pyro/serve/token) node sdk-tour.mjs
// It exits 0 when every step did what E2B's documentation says it does.
import { Sandbox, CommandExitError } from 'e2b'

const template = process.env.E2B_TEMPLATE || 'base' // `base` is pyro's debian:12
const withFilesystemCalls = process.env.E2B_TOUR_SKIP_FILESYSTEM !== '1'
const t0 = Date.now()
const step = (what) => console.log(`${String(Date.now() - t0).padStart(6)} ms  ${what}`)
const check = (ok, what) => {
  if (!ok) throw new Error(`check failed: ${what}`)
}

const sbx = await Sandbox.create(template, { timeoutMs: 300_000, metadata: { purpose: 'sdk-tour' } })
step(`created sandbox ${sbx.sandboxId}`)
try {
  const hi = await sbx.commands.run('echo hi')
  check(hi.exitCode === 0 && hi.stdout === 'hi\n' && hi.stderr === '', `echo hi gave ${JSON.stringify(hi)}`)
  step('commands.run("echo hi") -> "hi\\n"')

  const pieces = []
  const counted = await sbx.commands.run('for i in 1 2 3; do echo line$i; sleep 0.3; done', {
    onStdout: (d) => pieces.push([Date.now(), d]),
  })
  check(counted.stdout === 'line1\nline2\nline3\n', `streamed output was ${JSON.stringify(counted.stdout)}`)
  const spread = pieces.length ? pieces.at(-1)[0] - pieces[0][0] : 0
  check(pieces.length >= 2 && spread >= 300, `output arrived as printed, not at the end (${pieces.length} pieces over ${spread} ms)`)
  step(`onStdout got ${pieces.length} pieces over ${spread} ms`)

  try {
    await sbx.commands.run('echo oops >&2; exit 3')
    check(false, 'a failing command must throw')
  } catch (e) {
    check(e instanceof CommandExitError, `expected CommandExitError, got ${e}`)
    check(e.exitCode === 3 && e.stderr === 'oops\n', `exitCode ${e.exitCode}, stderr ${JSON.stringify(e.stderr)}`)
  }
  step('a failing command -> CommandExitError with exitCode 3')

  const bg = await sbx.commands.run('sleep 1; echo later', { background: true })
  check(typeof bg.pid === 'number', 'a background command has a pid at once')
  const bgDone = await bg.wait()
  check(bgDone.stdout === 'later\n', `the background command gave ${JSON.stringify(bgDone.stdout)}`)
  step(`background: true -> pid ${bg.pid}, then wait()`)

  const envs = await sbx.commands.run('echo "$GREETING from $(pwd)"', { envs: { GREETING: 'hello' } })
  check(envs.stdout.startsWith('hello from '), `envs gave ${JSON.stringify(envs.stdout)}`)
  step(`envs and cwd: ${envs.stdout.trim()}`)

  const info = await sbx.files.write('/home/user/notes/hello.txt', 'hello from the e2b sdk\n')
  check(info.path === '/home/user/notes/hello.txt', `write answered ${JSON.stringify(info)}`)
  const text = await sbx.files.read('/home/user/notes/hello.txt')
  check(text === 'hello from the e2b sdk\n', `read back ${JSON.stringify(text)}`)
  const cat = await sbx.commands.run('cat notes/hello.txt')
  check(cat.stdout === text, `the command saw ${JSON.stringify(cat.stdout)}`)
  const many = await sbx.files.write([
    { path: '/home/user/many/a.txt', data: 'a' },
    { path: 'many/b.bin', data: new Uint8Array([0, 255, 1]).buffer },
  ])
  check(many.length === 2 && many[1].path === '/home/user/many/b.bin', `a write of two files gave ${JSON.stringify(many)}`)
  const bytes = await sbx.files.read('/home/user/many/b.bin', { format: 'bytes' })
  check(bytes.length === 3 && bytes[0] === 0 && bytes[1] === 255 && bytes[2] === 1, `bytes read back ${bytes}`)
  step('files.write / files.read round trip (text, several files, bytes), seen by commands too')

  if (withFilesystemCalls) {
    check(await sbx.files.exists('/home/user/notes/hello.txt'), 'exists after write')
    check(!(await sbx.files.exists('/home/user/nope.txt')), 'a missing file does not exist')
    check((await sbx.files.makeDir('/home/user/made/deep')) === true, 'makeDir makes a new folder')
    check((await sbx.files.makeDir('/home/user/made/deep')) === false, 'makeDir of an existing folder is false')
    const entries = await sbx.files.list('/home/user/notes')
    check(entries.length === 1 && entries[0].name === 'hello.txt' && entries[0].type === 'file' && entries[0].size === 23,
      `list gave ${JSON.stringify(entries)}`)
    await sbx.files.remove('/home/user/notes')
    check(!(await sbx.files.exists('/home/user/notes/hello.txt')), 'gone after remove')
    step('files.exists / makeDir / list / remove')
  }

  const listed = await Sandbox.list({ query: { metadata: { purpose: 'sdk-tour' } } }).nextItems()
  check(listed.some((s) => s.sandboxId === sbx.sandboxId && s.state === 'running'), `list gave ${JSON.stringify(listed)}`)
  const got = await sbx.getInfo()
  check(got.metadata.purpose === 'sdk-tour' && got.templateId === template, `getInfo gave ${JSON.stringify(got)}`)
  await sbx.setTimeout(600_000)
  check(await sbx.isRunning(), 'isRunning')
  step('Sandbox.list (by metadata), getInfo, setTimeout, isRunning')

  if (process.env.E2B_TOUR_SKIP_PAUSE !== '1') {
    await sbx.files.write('kept.txt', 'still here\n')
    check((await sbx.pause()) === true, 'pause')
    check(!(await sbx.isRunning()), 'a paused sandbox is not running')
    check((await Sandbox.getInfo(sbx.sandboxId)).state === 'paused', 'getInfo says paused')
    const again = await Sandbox.connect(sbx.sandboxId)
    check((await again.commands.run('cat kept.txt')).stdout === 'still here\n', 'files survive pause and connect')
    step('pause, then Sandbox.connect resumes it with its files')
  }
} finally {
  await sbx.kill()
}
const after = await Sandbox.list().nextItems()
check(!after.some((s) => s.sandboxId === sbx.sandboxId), 'killed sandboxes are not listed')
step('kill')
console.log('sdk-tour: ok')
