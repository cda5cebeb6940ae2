import { createApp } from 'vue'
import App from './App.vue'
import { installAuth } from './composables/useAuth'
import { useColorScheme } from './composables/useColorScheme'
import { router } from './router'
import { installNaiveA11y } from './utils/naiveA11y'
import './styles.css'

// The theme is set on <html> now, before the first page waits on the router, so a dark choice
// never shows the light page's ground first.
useColorScheme()
installAuth(router)
installNaiveA11y()
const app = createApp(App).use(router)
// The first page is mounted once the guard knows whether a login is needed, so a
// logged-out visitor never sees a flash of the pages behind it.
router
  .isReady()
  .catch((error) => console.error('tickwork: the first page did not load', error))
  .then(() => app.mount('#app'))
