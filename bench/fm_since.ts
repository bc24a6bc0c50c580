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

Bun.serve({
  port,
  hostname: '127.0.0.1',
  async fetch(req: Request) {
    const url = new URL(req.url)
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.text()
    const up = await fetch(upstream + url.pathname + url.search, {
      method: req.method,
      body,
      headers: { 'content-type': req.headers.get('content-type') || 'application/x-www-form-urlencoded' },
    })
    const params = body ? new URLSearchParams(body) : url.searchParams
    const from = Number(params.get('from') || url.searchParams.get('from') || '0')
    const method = (params.get('method') || url.searchParams.get('method') || '').toLowerCase()
    if (!from || method !== 'user.getrecenttracks' || up.status !== 200)
      return new Response(await up.arrayBuffer(), { status: up.status, headers: { 'content-type': 'application/json' } })
    const page = await up.json()
    const rt = page.recenttracks
    rt.track = rt.track.filter((t: any) => playing(t) || Number(t?.date?.uts || 0) >= from)
    const scrobbles = rt.track.filter((t: any) => !playing(t)).length
    rt['@attr'].total = String(scrobbles)
    rt['@attr'].totalPages = '1'
    return Response.json(page)
  },
})
