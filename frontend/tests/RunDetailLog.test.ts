import { afterEach, describe, expect, it } from 'vitest'
import { effectScope, nextTick } from 'vue'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import RunDetailLog from '@/components/RunDetailLog.vue'
import { useRunLog } from '@/composables/useRun'
import { jsonResponse, stubFetch } from './support/fetch'

enableAutoUnmount(afterEach)

const ESC = '\u001b'

function mountLog(props = {}) {
  return mount(RunDetailLog, { props: { runId: 7, complete: true, ...props }, attachTo: document.body })
}

describe('RunDetailLog', () => {
  it('renders ANSI colours instead of showing the codes, and escapes everything else', () => {
    const log = mountLog({
      segments: [{ stream: 'stdout', text: `${ESC}[32mOK${ESC}[0m <script>alert(1)</script>\n` }],
    })

    const body = log.get('[data-test="run-log"]')
    expect(body.text()).toBe('OK <script>alert(1)</script>')
    expect(body.html()).not.toContain('[32m')
    expect(body.find('script').exists()).toBe(false)
    const ok = body.findAll('span').find((span) => span.text() === 'OK')
    expect(ok?.attributes('style')).toMatch(/color:\s*rgb\(0,\s*187,\s*0\)/)
  })

  it('marks stderr lines apart from stdout', () => {
    const log = mountLog({
      segments: [
        { stream: 'stdout', text: 'scraping\n' },
        { stream: 'stderr', text: 'warning: slow\n' },
        { stream: 'stdout', text: 'done\n' },
      ],
    })

    const lines = log.findAll('.run-detail-log__line')
    expect(lines.map((l) => [l.attributes('data-stream'), l.text()])).toEqual([
      ['stdout', 'scraping'],
      ['stderr', 'warning: slow'],
      ['stdout', 'done'],
    ])
    expect(lines[1].classes()).toContain('is-stderr')
  })

  it('finds text in the log, highlights each hit and steps through them', async () => {
    const log = mountLog({
      segments: [{ stream: 'stdout', text: `error one\nfine\n${ESC}[31mERROR${ESC}[0m two\n` }],
    })

    await log.get('[data-test="log-search"]').setValue('error')
    await nextTick()
    await nextTick()
    const marks = log.findAll('mark.run-log-match')
    expect(marks.map((m) => m.text())).toEqual(['error', 'ERROR'])
    expect(log.get('[data-test="log-match-count"]').text()).toBe('1 of 2')
    expect(marks[0].classes()).toContain('is-current')

    await log.get('[data-test="log-next"]').trigger('click')
    await nextTick()
    expect(log.get('[data-test="log-match-count"]').text()).toBe('2 of 2')
    expect(log.get('mark[data-match="1"]').classes()).toContain('is-current')

    await log.get('[data-test="log-prev"]').trigger('click')
    await log.get('[data-test="log-prev"]').trigger('click')
    await nextTick()
    expect(log.get('[data-test="log-match-count"]').text()).toBe('2 of 2') // wraps around
  })

  it('offers the raw file, a wrap switch and keyboard scrolling', async () => {
    const log = mountLog({ segments: [{ stream: 'stdout', text: 'a\n'.repeat(200) }] })

    expect(log.get('[data-test="log-download"]').attributes('href')).toBe('/api/v1/runs/7/log/download')
    expect(log.get('[data-test="log-download"]').attributes()).toHaveProperty('download')

    expect(log.classes()).toContain('is-wrapped')
    await log.get('[data-test="log-wrap"]').trigger('click')
    expect(log.classes()).not.toContain('is-wrapped')

    const body = log.get('[data-test="run-log"]')
    expect(body.attributes('tabindex')).toBe('0')
    const el = body.element as HTMLElement
    Object.defineProperty(el, 'clientHeight', { value: 300, configurable: true })
    Object.defineProperty(el, 'scrollHeight', { value: 3000, configurable: true })
    await body.trigger('keydown', { key: 'PageDown' })
    expect(el.scrollTop).toBe(260)
    await body.trigger('keydown', { key: 'PageUp' })
    expect(el.scrollTop).toBe(0)
    await body.trigger('keydown', { key: 'End' })
    expect(el.scrollTop).toBeGreaterThan(0)
    await body.trigger('keydown', { key: 'Home' })
    expect(el.scrollTop).toBe(0)
  })
})

describe('useRunLog', () => {
  it('keeps the streams the server names, and takes a log without segments as stdout', async () => {
    stubFetch(
      jsonResponse(200, {
        run_id: 3,
        offset: 0,
        next_offset: 8,
        content: 'out\nerr\n',
        complete: false,
        segments: [
          { stream: 'stdout', text: 'out\n' },
          { stream: 'stderr', text: 'err\n' },
        ],
      }),
      jsonResponse(200, { run_id: 3, offset: 8, next_offset: 13, content: 'more\n', complete: true }),
    )
    const scope = effectScope()
    const log = scope.run(() => useRunLog(() => '3', { interval: 1 }))!
    await flushPromises()
    await new Promise((r) => setTimeout(r, 10))
    await flushPromises()

    expect(log.complete.value).toBe(true)
    expect(log.segments.value).toEqual([
      { stream: 'stdout', text: 'out\n' },
      { stream: 'stderr', text: 'err\n' },
      { stream: 'stdout', text: 'more\n' },
    ])
    scope.stop()
  })
})
