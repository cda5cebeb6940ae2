import { ref } from 'vue'
import { notificationApi } from '@/services/api'
import type { ChannelCreate, OutboxStatus } from '@/services/types'
import type { Channel, NotifyEvent, OutboxItem } from '@/utils/notifications'
import { useRequest } from './useRequest'

export interface ChannelFields {
  name: string
  url?: string
  default: boolean
  on: NotifyEvent[]
}

export interface TestResult {
  ok: boolean
  error: string | null
}

/**
 * The notification channels (admin only): list, add, change, delete, send a test. `pending`
 * holds, per channel id, the action under way ('save', 'test' or 'delete').
 */
export function useChannels({ immediate = true } = {}) {
  const channels = ref<Channel[]>([])
  const loaded = ref(false)
  const pending = ref<Record<string, string>>({})

  const list = useRequest((signal) => notificationApi.getChannels({ signal }), {
    onSuccess: (data) => {
      channels.value = data.items
      loaded.value = true
    },
  })
  const load = async () => {
    await list.run()
  }

  async function withPending<T>(channelId: string, action: string, work: () => Promise<T>): Promise<T> {
    pending.value = { ...pending.value, [channelId]: action }
    try {
      return await work()
    } finally {
      const rest = { ...pending.value }
      delete rest[channelId]
      pending.value = rest
    }
  }

  const byName = (a: Channel, b: Channel) => a.name.localeCompare(b.name)

  async function create(fields: ChannelFields): Promise<Channel> {
    // A new channel without a url is the server's to refuse: its 422 names the field.
    const created: Channel = await notificationApi.createChannel(fields as ChannelCreate)
    channels.value = [...channels.value, created].sort(byName)
    return created
  }

  const update = (channelId: string, changes: Partial<ChannelFields>) =>
    withPending(channelId, 'save', async () => {
      const updated: Channel = await notificationApi.updateChannel(channelId, changes)
      channels.value = channels.value.map((c) => (c.id === channelId ? updated : c)).sort(byName)
      return updated
    })

  const remove = (channel: Channel, { detach = false } = {}) =>
    withPending(channel.id, 'delete', async () => {
      await notificationApi.deleteChannel(channel.id, { detach })
      channels.value = channels.value.filter((c) => c.id !== channel.id)
    })

  const test = (channelId: string): Promise<TestResult> =>
    withPending(channelId, 'test', () => notificationApi.testChannel(channelId))

  if (immediate) load()

  return { channels, loaded, error: list.error, pending, load, create, update, remove, test }
}

/** The outbox's newest notifications, optionally of one status. */
export function useOutbox() {
  const items = ref<OutboxItem[]>([])
  const total = ref(0)
  const status = ref<OutboxStatus | null>(null)

  const page = useRequest((signal) => notificationApi.getOutbox({ status: status.value, page_size: 20 }, { signal }), {
    onSuccess: (data) => {
      items.value = data.items
      total.value = data.total
    },
  })
  const load = async () => {
    await page.run()
  }

  load()
  return { items, total, status, error: page.error, load }
}
