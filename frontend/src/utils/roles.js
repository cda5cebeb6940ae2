/** The three roles, each allowed everything the one before it is (as the server decides). */

export const ROLES = ['viewer', 'operator', 'admin']

// What the page asks for, in words that read well at the call site: can('operate').
const NEEDS = { view: 'viewer', operate: 'operator', admin: 'admin' }

export const ROLE_DESCRIPTIONS = {
  viewer: 'Reads schedules, runs, logs and the audit log.',
  operator: 'Viewer, plus: run now, cancel runs, switch schedules on and off, pause the scheduler.',
  admin: 'Operator, plus: create, edit, delete and import schedules, and manage users.',
}

export const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: role.charAt(0).toUpperCase() + role.slice(1) }))

/** The role an ability needs: 'operate' -> 'operator'; a role name is itself. */
export function neededRole(ability) {
  return NEEDS[ability] || ability
}

/** True when `role` may do what `ability` ('view', 'operate', 'admin' or a role) needs. */
export function roleAllows(role, ability) {
  const have = ROLES.indexOf(role)
  const need = ROLES.indexOf(neededRole(ability))
  return have >= 0 && need >= 0 && have >= need
}

/** "Needs the operator role", for a disabled control's tooltip. */
export function needsRoleText(ability) {
  return `Needs the ${neededRole(ability)} role`
}
