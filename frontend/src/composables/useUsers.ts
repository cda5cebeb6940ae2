import { ref } from 'vue'
import { userApi } from '@/services/api'
import type { Role, User, UserCreate } from '@/services/types'
import { useRequest } from './useRequest'

export type UserChange = 'role' | 'password' | 'delete'

/** The users (admin only): list, add, change role or password, remove. */
export function useUsers() {
  const users = ref<User[]>([])
  const loaded = ref(false)
  // Per username, the change in flight: 'role', 'password' or 'delete'.
  const pending = ref<Record<string, UserChange>>({})

  const list = useRequest((signal) => userApi.getUsers({ signal }), {
    onSuccess: (data) => {
      users.value = data.items
      loaded.value = true
    },
  })
  const load = async () => {
    await list.run()
  }

  async function withPending<T>(username: string, action: UserChange, work: () => Promise<T>): Promise<T> {
    pending.value = { ...pending.value, [username]: action }
    try {
      return await work()
    } finally {
      const rest = { ...pending.value }
      delete rest[username]
      pending.value = rest
    }
  }

  function replace(updated: User) {
    users.value = users.value.map((u) => (u.username === updated.username ? updated : u))
  }

  async function create(fields: UserCreate): Promise<User> {
    const created = await userApi.createUser(fields)
    users.value = [...users.value, created].sort((a, b) => a.username.localeCompare(b.username))
    return created
  }

  const setRole = (username: string, role: Role) =>
    withPending(username, 'role', async () => {
      const updated = await userApi.updateUser(username, { role })
      replace(updated)
      return updated
    })

  const setPassword = (username: string, password: string) =>
    withPending(username, 'password', () => userApi.updateUser(username, { password }))

  const remove = (username: string) =>
    withPending(username, 'delete', async () => {
      await userApi.deleteUser(username)
      users.value = users.value.filter((u) => u.username !== username)
    })

  load()

  return { users, loaded, error: list.error, pending, load, create, setRole, setPassword, remove }
}
