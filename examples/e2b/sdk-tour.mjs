// E2B's own JS SDK, unchanged, against `pyro serve` (docs/e2b.md). Run it with:
//   E2B_API_URL=http://127.0.0.1:7878 E2B_SANDBOX_URL=http://127.0.0.1:7878 \
//   E2B_API_KEY=$(cat ~/.local/state/pyro/serve/token) node sdk-tour.mjs
// It exits 0 when every step did what E2B's documentation says it does.
import http from 'node:http'
import { Sandbox, CommandExitError, AuthenticationError, NotFoundError } from 'e2b'

const template = process.env.E2B_TEMPLATE || 'base' // `base` is pyro's debian:12
const withFilesystemCalls = process.env.E2B_TOUR_SKIP_FILESYSTEM !== '1'
const t0 = Date.now()
const step = (what) => console.log(`${String(Date.now() - t0).padStart(6)} ms  ${what}`)
const pause = (ms) => new Promise((r) => setTimeout(r, ms))
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

  let heard = ''
  const reader = await sbx.commands.run('while read -r l; do echo "got $l"; done; echo eof', {
    background: true, stdin: true, onStdout: (d) => { heard += d },
  })
  await sbx.commands.sendStdin(reader.pid, 'one\n')
  await sbx.commands.sendStdin(reader.pid, 'two\n') // 2.7.0 takes strings only
  if (typeof sbx.commands.closeStdin === 'function') { // SDKs that have it (2.51.0 does, 2.7.0 not), envd 0.5.2
    await sbx.commands.closeStdin(reader.pid)
    const read = await reader.wait()
    check(read.stdout === 'got one\ngot two\neof\n', `stdin round trip gave ${JSON.stringify(read.stdout)}`)
    step('background with stdin: sendStdin twice, closeStdin, wait()')
  } else {
    for (let i = 0; i < 200 && !heard.includes('got two'); i++) await pause(50)
    check(heard === 'got one\ngot two\n', `stdin round trip gave ${JSON.stringify(heard)}`)
    check((await reader.kill()) === true, 'kill the reader')
    step('background with stdin: sendStdin twice (this SDK has no closeStdin), kill')
  }

  let said = ''
  const sleeper = await sbx.commands.run('echo started; exec sleep 600', {
    background: true, timeoutMs: 600_000, onStdout: (d) => { said += d },
  })
  for (let i = 0; i < 600 && !said.includes('started'); i++) await pause(50) // the login shell has run its profile
  check((await sbx.commands.list()).some((p) => p.pid === sleeper.pid && p.cmd === '/bin/bash'), 'list names the running command')
  check((await sbx.commands.run(`kill -0 ${sleeper.pid} && cat /proc/${sleeper.pid}/cmdline | tr '\\0' ' '`)).stdout.startsWith('sleep 600'),
    'the pid is the guest process\'s own')
  await sleeper.disconnect()
  const attached = await sbx.commands.connect(sleeper.pid, { timeoutMs: 600_000 })
  check((await sbx.commands.kill(sleeper.pid)) === true, 'kill finds the running command')
  const killedAt = Date.now()
  try {
    await attached.wait()
    check(false, 'a killed command must not end well')
  } catch (e) {
    check(e instanceof CommandExitError && e.exitCode === -1 && /killed/.test(e.error ?? ''), `a killed command gave ${e}`)
  }
  check(Date.now() - killedAt < 5000, 'a connected handle sees the kill at once')
  check(!(await sbx.commands.list()).some((p) => p.pid === sleeper.pid), 'a killed command is no longer listed')
  check((await sbx.commands.kill(sleeper.pid)) === false, 'killing it again finds nothing')
  step(`list, disconnect, connect(${sleeper.pid}), kill: CommandExitError "${'signal: killed'}"`)

  const port = 20000 + Math.floor(Math.random() * 10000)
  const web = await sbx.commands.run(`mkdir -p site && echo "hello from port ${port}" > site/index.html && `
    + `exec python3 -m http.server ${port} --bind 127.0.0.1 --directory site`, { background: true, timeoutMs: 600_000 })
  check(sbx.getHost(port).startsWith(`${port}-${sbx.sandboxId}.`), `getHost gave ${sbx.getHost(port)}`)
  const origin = new URL(process.env.E2B_SANDBOX_URL)
  let page
  for (let i = 0; i < 150 && page === undefined; i++) {
    const r = await fetch(`${origin.origin}/index.html`, { headers: { 'E2b-Sandbox-Id': sbx.sandboxId, 'E2b-Sandbox-Port': `${port}` } })
    if (r.status === 200) page = await r.text()
    else await pause(200) // 502 until the server listens
  }
  check(page === `hello from port ${port}\n`, `the guest's web server answered ${JSON.stringify(page)}`)
  const viaHost = await new Promise((resolve, reject) => {
    http.get({ host: origin.hostname, port: origin.port, path: '/index.html', headers: { Host: `${sbx.getHost(port).split('.')[0]}.localhost:${origin.port}` } },
      (res) => { let b = ''; res.on('data', (d) => { b += d }); res.on('end', () => resolve(`${res.statusCode} ${b}`)) }).on('error', reject)
  })
  check(viaHost === `200 hello from port ${port}\n`, `the Host route answered ${JSON.stringify(viaHost)}`)
  const closed = await fetch(`${origin.origin}/`, { headers: { 'E2b-Sandbox-Id': sbx.sandboxId, 'E2b-Sandbox-Port': `${port + 1}` } })
  check(closed.status === 502, `a port nothing listens on answered ${closed.status}`)
  check((await web.kill()) === true, 'the web server stops')
  step(`getHost(${port}): the guest's HTTP server by E2b-Sandbox-Port and by Host ${port}-${sbx.sandboxId}.localhost; a closed port 502`)

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
    const renamed = await sbx.files.rename('/home/user/notes/hello.txt', '/home/user/notes/renamed.txt')
    check(renamed.path === '/home/user/notes/renamed.txt' && !(await sbx.files.exists('/home/user/notes/hello.txt')),
      `rename gave ${JSON.stringify(renamed)}`)
    const about = await sbx.files.getInfo('/home/user/notes/renamed.txt')
    check(about.type === 'file' && about.size === 23 && about.name === 'renamed.txt', `getInfo gave ${JSON.stringify(about)}`)
    await sbx.files.remove('/home/user/notes')
    check(!(await sbx.files.exists('/home/user/notes/renamed.txt')), 'gone after remove')
    step('files.exists / makeDir / list / rename / getInfo / remove')

    const tmp = await sbx.files.write('/tmp/e2b-tour/outside.txt', 'beyond the home folder\n')
    check(tmp.path === '/tmp/e2b-tour/outside.txt', `a write to /tmp answered ${JSON.stringify(tmp)}`)
    check((await sbx.files.read('/tmp/e2b-tour/outside.txt')) === 'beyond the home folder\n', 'read back from /tmp')
    check((await sbx.commands.run('cat /tmp/e2b-tour/outside.txt')).stdout === 'beyond the home folder\n', 'commands see /tmp too')
    check((await sbx.files.getInfo('/etc/hostname')).type === 'file', 'the guest\'s own files are reachable')
    for (const bad of ['/home/user/missing.txt', '/tmp/e2b-tour/missing']) {
      try {
        await sbx.files.read(bad)
        check(false, `reading ${bad} must fail`)
      } catch (e) {
        check(e instanceof NotFoundError, `reading ${bad} gave ${e}`)
      }
    }
    step('files anywhere the user reaches (/tmp, /etc), missing files -> NotFoundError')

    await sbx.files.makeDir('/home/user/watched')
    const seen = []
    const watcher = await sbx.files.watchDir('/home/user/watched', (e) => seen.push(`${e.type}:${e.name}`), { timeoutMs: 120_000 })
    await sbx.files.write('/home/user/watched/new.txt', 'x')
    // the watch polls: a change undone before the next look is not seen, so wait for each in turn
    for (let i = 0; i < 100 && !seen.includes('create:new.txt'); i++) await pause(100)
    await sbx.commands.run('rm watched/new.txt') // commands start in the home folder (pyro's /workspace)
    for (let i = 0; i < 100 && !seen.includes('remove:new.txt'); i++) await pause(100)
    await watcher.stop()
    check(seen.includes('create:new.txt') && seen.includes('remove:new.txt'), `watchDir saw ${JSON.stringify(seen)}`)
    step(`watchDir saw ${seen.join(', ')}`)
  }

  const listed = await Sandbox.list({ query: { metadata: { purpose: 'sdk-tour' } } }).nextItems()
  check(listed.some((s) => s.sandboxId === sbx.sandboxId && s.state === 'running'), `list gave ${JSON.stringify(listed)}`)
  const got = await sbx.getInfo()
  check(got.metadata.purpose === 'sdk-tour' && got.templateId === template, `getInfo gave ${JSON.stringify(got)}`)
  await sbx.setTimeout(600_000)
  check(await sbx.isRunning(), 'isRunning')
  try {
    await Sandbox.list({ apiKey: 'not-the-key' }).nextItems()
    check(false, 'a wrong key must be refused')
  } catch (e) {
    check(e instanceof AuthenticationError, `a wrong key gave ${e}`)
  }
  try {
    await Sandbox.connect('nosuchsandbox')
    check(false, 'an unknown sandbox must not connect')
  } catch (e) {
    check(e instanceof NotFoundError, `an unknown sandbox gave ${e}`)
  }
  step('Sandbox.list (by metadata), getInfo, setTimeout, isRunning; a wrong key and an unknown sandbox refused')

  if (process.env.E2B_TOUR_SKIP_PAUSE !== '1') {
    await sbx.files.write('kept.txt', 'still here\n')
    const pauseIt = () => (sbx.pause ? sbx.pause() : sbx.betaPause()) // 2.7.0 names it betaPause
    const busy = await sbx.commands.run('sleep 600', { background: true, timeoutMs: 600_000 })
    try {
      await pauseIt()
      check(false, 'pyro refuses to pause a sandbox while a command runs')
    } catch (e) {
      check(/running commands/.test(String(e)), `pausing with a running command gave ${e}`)
    }
    check((await busy.kill()) === true, 'kill the running command')
    await busy.wait().catch(() => {}) // until its end has been seen: then it no longer runs
    check((await pauseIt()) === true, 'pause')
    check(!(await sbx.isRunning()), 'a paused sandbox is not running')
    check((await Sandbox.getInfo(sbx.sandboxId)).state === 'paused', 'getInfo says paused')
    const again = await Sandbox.connect(sbx.sandboxId)
    check((await again.commands.run('cat kept.txt')).stdout === 'still here\n', 'files survive pause and connect')
    step('pause (refused while a command runs), then Sandbox.connect resumes it with its files')
  }
  const waiting = await sbx.commands.run('sleep 600', { background: true, timeoutMs: 600_000 })
  var waitingEnded = waiting.wait().then(() => Date.now(), () => Date.now())
} finally {
  await sbx.kill()
}
if (typeof waitingEnded !== 'undefined') {
  const killedAt = Date.now()
  const endedAt = await Promise.race([waitingEnded, new Promise((r) => setTimeout(() => r(Infinity), 10_000))])
  check(endedAt - killedAt < 10_000, 'kill ends every open stream of the sandbox at once')
}
check(!(await sbx.isRunning()), 'a killed sandbox is not running')
const after = await Sandbox.list().nextItems()
check(!after.some((s) => s.sandboxId === sbx.sandboxId), 'killed sandboxes are not listed')
step('kill')
console.log('sdk-tour: ok')
