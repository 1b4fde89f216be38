import { createApp } from 'vue'
import ElementPlus, { ElMessage } from 'element-plus'
import zhCn from 'element-plus/es/locale/lang/zh-cn'
import 'element-plus/dist/index.css'
import './style.css'
import App from './App.vue'
import { router } from './router'
import { setUnauthorizedHandler } from './lib/api'
import { sessionEnded } from './lib/session'

// A 401 on a logged-in request means the session expired or was revoked:
// back to the login page, which shows why, and then back here.
setUnauthorizedHandler((err) => {
  sessionEnded(err.message || '登录已失效，请重新登录')
  const here = router.currentRoute.value
  if (here.path !== '/login') router.push({ path: '/login', query: { redirect: here.fullPath } })
  ElMessage.warning(err.message || '登录已失效，请重新登录')
})

createApp(App).use(ElementPlus, { locale: zhCn }).use(router).mount('#app')
