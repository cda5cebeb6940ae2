import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { NMessageProvider, NPopconfirm, NSelect } from 'naive-ui'
import UserManager from '@/views/UserManager.vue'
import { resetAuth, setSession } from '@/composables/useAuth'
import { ApiError, userApi } from '@/services/api'

vi.mock('@/services/api', async (importOriginal) => {
  const actual = await importOriginal()
  return {
    ...actual,
    userApi: { getUsers: vi.fn(), createUser: vi.fn(), updateUser: vi.fn(), deleteUser: vi.fn() },
  }
})

const USERS = [
  { username: 'ada', role: 'admin', created_at: '2026-11-26T10:00:00Z' },
  { username: 'vic', role: 'viewer', created_at: '2026-11-26T11:00:00Z' },
]

async function mountManager() {
  const Wrapper = defineComponent({ render: () => h(NMessageProvider, () => h(UserManager)) })
  const wrapper = mount(Wrapper, { attachTo: document.body })
  await flushPromises()
  return wrapper
}

const rowOf = (wrapper, username) => wrapper.findAll('tbody tr').find((row) => row.text().includes(username))

enableAutoUnmount(afterEach)

beforeEach(() => {
  for (const fn of Object.values(userApi)) fn.mockReset()
  userApi.getUsers.mockResolvedValue({ items: USERS.map((u) => ({ ...u })) })
  setSession({ username: 'ada', role: 'admin', csrf_token: 't', auth_enabled: true })
})
afterEach(resetAuth)

describe('UserManager', () => {
  it('lists the users with their roles and marks the one logged in', async () => {
    const wrapper = await mountManager()

    expect(rowOf(wrapper, 'ada').text()).toContain('you')
    expect(rowOf(wrapper, 'vic').findComponent(NSelect).props('value')).toBe('viewer')
  })

  it('shows the server message when the last admin would be removed', async () => {
    userApi.deleteUser.mockRejectedValue(new ApiError(409, { error: 'conflict', message: 'cannot remove ada: it is the last admin' }))
    const wrapper = await mountManager()

    rowOf(wrapper, 'ada').findComponent(NPopconfirm).vm.$emit('positive-click')
    await flushPromises()

    expect(userApi.deleteUser).toHaveBeenCalledWith('ada')
    expect(document.body.textContent).toContain('cannot remove ada: it is the last admin')
    expect(rowOf(wrapper, 'ada')).toBeTruthy()
  })

  it('keeps the old role when the server refuses the change', async () => {
    userApi.updateUser.mockRejectedValue(new ApiError(409, { error: 'conflict', message: 'cannot demote ada: it is the last admin' }))
    const wrapper = await mountManager()

    rowOf(wrapper, 'ada').findComponent(NSelect).vm.$emit('update:value', 'viewer')
    await flushPromises()

    expect(userApi.updateUser).toHaveBeenCalledWith('ada', { role: 'viewer' })
    expect(document.body.textContent).toContain('cannot demote ada: it is the last admin')
    expect(rowOf(wrapper, 'ada').findComponent(NSelect).props('value')).toBe('admin')
  })

  it('adds a user, and shows a taken name or a bad field where it belongs', async () => {
    userApi.createUser
      .mockRejectedValueOnce(new ApiError(409, { error: 'conflict', message: 'user vic already exists' }))
      .mockRejectedValueOnce(
        new ApiError(422, { error: 'validation_error', errors: [{ field: 'password', message: 'must be 8-1024 characters' }] }),
      )
      .mockResolvedValueOnce({ username: 'olga', role: 'viewer', created_at: '2026-11-27T09:00:00Z' })
    const wrapper = await mountManager()
    const submit = async (username, password) => {
      await wrapper.get('[data-test="new-username"]').setValue(username)
      await wrapper.get('[data-test="new-password"]').setValue(password)
      await wrapper.get('[data-test="add-user"]').trigger('submit')
      await flushPromises()
    }

    await submit('vic', 'long enough')
    expect(wrapper.get('[data-test="add-user-error"]').text()).toBe('user vic already exists')

    await submit('olga', 'short')
    expect(wrapper.get('[data-test="field-password"]').text()).toContain('must be 8-1024 characters')

    await submit('olga', 'long enough')
    expect(userApi.createUser).toHaveBeenLastCalledWith({ username: 'olga', password: 'long enough', role: 'viewer' })
    expect(rowOf(wrapper, 'olga')).toBeTruthy()
  })

  it('tells an operator that users are for admins, without asking the server', async () => {
    setSession({ username: 'olga', role: 'operator', csrf_token: 't', auth_enabled: true })
    const wrapper = await mountManager()

    expect(wrapper.find('[data-test="users-forbidden"]').exists()).toBe(true)
    expect(userApi.getUsers).not.toHaveBeenCalled()
  })
})
