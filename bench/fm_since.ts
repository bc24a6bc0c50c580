// A front for the harness's fake Last.fm (../shared/bench/fake-fm.ts) that
// honours user.getRecentTracks' `from` as Last.fm does: the page holds only
// the scrobbles at or after `from` (plus the now playing entry), and its
// total and totalPages count those. The shared fake ignores `from` and always
// reports 50,000 scrobbles on 1,000 pages, so every indexed /ln would fall
// back to track.getInfo. Every other call passes through unchanged, so the
// fake's own counters still count every Last.fm call the node made.
//
//   bun bench/fm_since.ts   (FM_SINCE_PORT, default 18083; FM_UPSTREAM,
//                            default http://127.0.0.1:18082)

const port = Number(process.env.FM_SINCE_PORT || '18083')
const upstream = process.env.FM_UPSTREAM || 'http://127.0.0.1:18082'

const playing = (t: any) => t?.['@attr']?.nowplaying === 'true'

// The fake builds every page it is asked for (200 scrobbles is some 100 KB of
// JSON to make and to parse here), so a page with `from` is first asked for
// with a few entries: when its oldest scrobble is already before `from`, it
// holds all of them; only otherwise is the full page fetched.
const probe = 8

const ask = (url: URL, method: string, body: string | undefined, headers: Headers) =>
  fetch(upstream + url.pathname + url.search, {
    method,
    body,
    headers: { 'content-type': headers.get('content-type') || 'application/x-www-form-urlencoded' },
  })

const withLimit = (url: URL, body: string | undefined, limit: number): [URL, string | undefined] => {
  const u = new URL(url)
  if (u.searchParams.has('limit')) u.searchParams.set('limit', String(limit))
  if (body === undefined) return [u, body]
  const b = new URLSearchParams(body)
  if (b.has('limit')) b.set('limit', String(limit))
  return [u, b.toString()]
}

const oldest = (tracks: any[]) => {
  const dated = tracks.filter((t: any) => !playing(t))
  return dated.length ? Number(dated[dated.length - 1]?.date?.uts || 0) : Infinity
}

Bun.serve({
  port,
  hostname: '127.0.0.1',
  async fetch(req: Request) {
    const url = new URL(req.url)
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.text()
    const params = body ? new URLSearchParams(body) : url.searchParams
    const from = Number(params.get('from') || url.searchParams.get('from') || '0')
    const method = (params.get('method') || url.searchParams.get('method') || '').toLowerCase()
    if (!from || method !== 'user.getrecenttracks') {
      const up = await ask(url, req.method, body, req.headers)
      return new Response(await up.arrayBuffer(), { status: up.status, headers: { 'content-type': 'application/json' } })
    }
    const limit = Number(params.get('limit') || url.searchParams.get('limit') || '50')
    let page: any
    if (limit > probe) {
      const [u, b] = withLimit(url, body, probe)
      const up = await ask(u, req.method, b, req.headers)
      if (up.status !== 200)
        return new Response(await up.arrayBuffer(), { status: up.status, headers: { 'content-type': 'application/json' } })
      page = await up.json()
      if (!(oldest(page.recenttracks.track) < from)) page = undefined
    }
    if (page === undefined) {
      const up = await ask(url, req.method, body, req.headers)
      if (up.status !== 200)
        return new Response(await up.arrayBuffer(), { status: up.status, headers: { 'content-type': 'application/json' } })
      page = await up.json()
    }
    const rt = page.recenttracks
    rt.track = rt.track.filter((t: any) => playing(t) || Number(t?.date?.uts || 0) >= from)
    const scrobbles = rt.track.filter((t: any) => !playing(t)).length
    rt['@attr'].total = String(scrobbles)
    rt['@attr'].totalPages = '1'
    rt['@attr'].perPage = String(limit)
    return Response.json(page)
  },
})
