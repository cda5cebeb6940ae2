import { ref } from 'vue'
import { userApi } from '@/services/api'

/** The users (admin only): list, add, change role or password, remove. */
export function useUsers() {
  const users = ref([])
  const loaded = ref(false)
  const error = ref(null)
  // Per username, the change in flight: 'role', 'password' or 'delete'.
  const pending = ref({})

  async function load() {
    try {
      users.value = (await userApi.getUsers()).items
      error.value = null
      loaded.value = true
    } catch (err) {
      error.value = err
    }
  }

  async function withPending(username, action, work) {
    pending.value = { ...pending.value, [username]: action }
    try {
      return await work()
    } finally {
      const rest = { ...pending.value }
      delete rest[username]
      pending.value = rest
    }
  }

  function replace(updated) {
    users.value = users.value.map((u) => (u.username === updated.username ? updated : u))
  }

  async function create(fields) {
    const created = await userApi.createUser(fields)
    users.value = [...users.value, created].sort((a, b) => a.username.localeCompare(b.username))
    return created
  }

  const setRole = (username, role) =>
    withPending(username, 'role', async () => {
      const updated = await userApi.updateUser(username, { role })
      replace(updated)
      return updated
    })

  const setPassword = (username, password) =>
    withPending(username, 'password', () => userApi.updateUser(username, { password }))

  const remove = (username) =>
    withPending(username, 'delete', async () => {
      await userApi.deleteUser(username)
      users.value = users.value.filter((u) => u.username !== username)
    })

  load()

  return { users, loaded, error, pending, load, create, setRole, setPassword, remove }
}
