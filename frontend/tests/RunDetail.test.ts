import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter } from 'vue-router'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { NMessageProvider } from 'naive-ui'
import RunDetail from '@/views/RunDetail.vue'
import { jsonResponse } from './support/fetch'

enableAutoUnmount(afterEach)

function runWith(overrides: Record<string, unknown> | null) {
  return {
    id: 5,
    schedule_id: 's1',
    schedule_name: 'Nightly',
    timezone: 'UTC',
    trigger: 'manual',
    attempt: 1,
    status: 'success',
    scheduled_for: '2026-11-27T07:00:00Z',
    queued_at: '2026-11-27T07:00:00Z',
    started_at: '2026-11-27T07:00:01Z',
    finished_at: '2026-11-27T07:00:02Z',
    duration_seconds: 1,
    exit_code: 0,
    command: ['python', 'main.py', '-n', '50'],
    output_tail: '',
    error: null,
    cpu_seconds: 0.1,
    peak_memory_bytes: 1000,
    parameter_overrides: overrides,
  }
}

const RESOURCES = {
  run_id: 5,
  status: 'success',
  interval_seconds: 2,
  samples: [],
  cpu_percent_mean: 10,
  cpu_percent_peak: null,
  memory_mean_bytes: null,
  peak_memory_bytes: 1000,
}

async function mountRun(overrides: Record<string, unknown> | null) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url.startsWith('/api/v1/runs/5/log')) {
        return jsonResponse(200, { run_id: 5, offset: 0, next_offset: 0, content: '', complete: true })
      }
      if (url.startsWith('/api/v1/runs/5/resources')) return jsonResponse(200, RESOURCES)
      return jsonResponse(200, runWith(overrides))
    }),
  )
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)', component: { template: '<div />' } }] })
  const Host = defineComponent({ setup: () => () => h(NMessageProvider, null, () => h(RunDetail, { id: '5' })) })
  const view = mount(Host, { global: { plugins: [router] } })
  await flushPromises()
  return view
}

describe('RunDetail', () => {
  it('shows the parameters given for this run only', async () => {
    const view = await mountRun({ number: 50, regions: ['spain'] })
    const box = view.get('[data-test="run-overrides"]')
    expect(box.text()).toContain('Parameters changed for this run')
    expect(box.text()).toContain('number = 50')
    expect(box.text()).toContain('regions = ["spain"]')
  })

  it('has the run\'s resource card, which says why a run of a second has no samples', async () => {
    const view = await mountRun(null)
    expect(view.get('[data-test="resources-cpu-mean"]').text()).toContain('10.0 %')
    expect(view.get('[data-test="resources-empty"]').text()).toContain('ended before the first one')
  })

  it('says nothing of overrides when the run had none', async () => {
    const view = await mountRun(null)
    expect(view.find('[data-test="run-overrides"]').exists()).toBe(false)
  })
})
