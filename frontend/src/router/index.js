import { createRouter, createWebHistory } from 'vue-router'
import { authGuard } from '@/composables/useAuth'

// `bare`: shown without the navigation bar (and without the live event stream).
export const routes = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { title: 'Log in', bare: true },
  },
  { path: '/', name: 'dashboard', component: () => import('@/views/Dashboard.vue'), meta: { title: 'Dashboard' } },
  {
    path: '/schedules',
    name: 'schedules',
    component: () => import('@/views/ScheduleManager.vue'),
    meta: { title: 'Schedules' },
  },
  {
    path: '/schedules/:id',
    name: 'schedule',
    component: () => import('@/views/ScheduleDetail.vue'),
    props: true,
    meta: { title: 'Schedule' },
  },
  {
    path: '/runs',
    name: 'runs',
    component: () => import('@/views/RunList.vue'),
    meta: { title: 'Runs' },
  },
  {
    path: '/runs/:id',
    name: 'run',
    component: () => import('@/views/RunDetail.vue'),
    props: true,
    meta: { title: 'Run' },
  },
  {
    path: '/reports',
    name: 'reports',
    component: () => import('@/views/ReportsView.vue'),
    meta: { title: 'Reports' },
  },
  {
    path: '/audit',
    name: 'audit',
    component: () => import('@/views/AuditLog.vue'),
    meta: { title: 'Audit log' },
  },
  {
    path: '/users',
    name: 'users',
    component: () => import('@/views/UserManager.vue'),
    meta: { title: 'Users' },
  },
  {
    path: '/backups',
    name: 'backups',
    component: () => import('@/views/BackupManager.vue'),
    meta: { title: 'Backups' },
  },
  {
    path: '/notifications',
    name: 'notifications',
    component: () => import('@/views/NotificationChannels.vue'),
    meta: { title: 'Notifications' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFound.vue'),
    meta: { title: 'Not found' },
  },
]

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior: (to, from, saved) => saved || { top: 0 },
})

router.beforeEach(authGuard)

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · tickwork` : 'tickwork'
})
