/**
 * Notifications in words: the events a subscription or a default channel hears of, and what
 * the page says of a channel. Pure: the views that show them stay thin.
 */

export type NotifyEvent =
  | 'started'
  | 'succeeded'
  | 'failed'
  | 'timeout'
  | 'recovered'
  | 'retries_exhausted'
  | 'missed'
  | 'stuck'

export interface Channel {
  id: string
  name: string
  /** Redacted by the server: scheme and host, `/…` for the rest. */
  url: string
  default: boolean
  on: NotifyEvent[]
  schedules: number
  created_at: string
  updated_at: string
}

export interface Subscription {
  channel: string
  on: NotifyEvent[]
}

export interface OutboxItem {
  id: number
  channel_id: string
  channel_name: string | null
  schedule_id: string | null
  schedule_name: string | null
  run_id: number | null
  event: string
  status: 'pending' | 'sent' | 'failed' | 'dropped' | 'digested'
  attempts: number
  created_at: string
  due_at: string
  last_attempt_at: string | null
  sent_at: string | null
  last_error: string | null
  digest_id: number | null
}

/** In the order the docs list them, each with the words the page uses. */
export const NOTIFY_EVENTS: { value: NotifyEvent; label: string }[] = [
  { value: 'started', label: 'Started' },
  { value: 'succeeded', label: 'Succeeded' },
  { value: 'failed', label: 'Failed' },
  { value: 'timeout', label: 'Timed out' },
  { value: 'recovered', label: 'Recovered (a success after a failure)' },
  { value: 'retries_exhausted', label: 'Retries used up' },
  { value: 'missed', label: 'Missed a run' },
  { value: 'stuck', label: 'Stuck' },
]

/** What a subscription or a new channel hears of unless told otherwise (the server's default). */
export const DEFAULT_EVENTS: NotifyEvent[] = ['failed', 'timeout']

const LABELS = new Map(NOTIFY_EVENTS.map((e) => [e.value, e.label]))

/** "Failed, Timed out", or "nothing" for a subscription that keeps a schedule quiet. */
export function eventsInWords(events: readonly string[]): string {
  if (!events.length) return 'nothing'
  return events.map((e) => LABELS.get(e as NotifyEvent)?.split(' (')[0] ?? e).join(', ')
}

/** Who speaks for a schedule without subscriptions: the default channels, in words. */
export function defaultsInWords(channels: readonly Channel[]): string {
  const defaults = channels.filter((c) => c.default)
  if (!defaults.length) return 'No channel hears of this schedule: no channel is a default.'
  const each = defaults.map((c) => `${c.name} (${eventsInWords(c.on).toLowerCase()})`).join('; ')
  return `Without subscriptions the default channels speak for it: ${each}.`
}

/** The URL examples the channel form offers, as apprise writes them. */
export const URL_EXAMPLES = [
  'mailtos://user:password@smtp.example.org?to=ops@example.org',
  'slack://TokenA/TokenB/TokenC/#alerts',
  'discord://webhook_id/webhook_token',
  'tgram://bot_token/chat_id',
  'ntfys://ntfy.sh/my-topic',
  'json://hooks.example.org/tickwork',
]
