// Pages and their role rules (the same rules as the API's route table:
// what a role may not call, it is not shown).
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { session, restore } from './lib/session'
import { allows } from './lib/roles'
import type { Role } from './lib/types'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** Roles allowed; undefined = public. */
    roles?: Role[]
  }
}

const staff: Role[] = ['admin', 'department', 'district', 'evaluator']

export const routes: RouteRecordRaw[] = [
  { path: '/', component: () => import('./views/DashboardView.vue'), meta: { title: '总览' } },
  { path: '/login', component: () => import('./views/LoginView.vue'), meta: { title: '登录' } },
  { path: '/indicators', component: () => import('./views/IndicatorsView.vue'), meta: { title: '指标' } },
  { path: '/indicators/:code', component: () => import('./views/IndicatorDetailView.vue'), meta: { title: '指标详情' }, props: true },
  { path: '/tasks', component: () => import('./views/TasksView.vue'), meta: { title: '任务' } },
  { path: '/tasks/:code', component: () => import('./views/TaskDetailView.vue'), meta: { title: '任务详情' }, props: true },
  { path: '/surveys', component: () => import('./views/SurveysView.vue'), meta: { title: '问卷调查', roles: ['admin', 'evaluator'] } },
  { path: '/surveys/new', component: () => import('./views/SurveyEditView.vue'), meta: { title: '新建问卷', roles: ['admin'] } },
  { path: '/surveys/:id/edit', component: () => import('./views/SurveyEditView.vue'), meta: { title: '编辑问卷', roles: ['admin'] }, props: true },
  { path: '/surveys/:id', component: () => import('./views/SurveyView.vue'), meta: { title: '问卷', roles: ['admin', 'evaluator'] }, props: true },
  { path: '/cells', component: () => import('./views/CellsView.vue'), meta: { title: '无废细胞审核', roles: ['admin', 'district'] } },
  { path: '/cells/certified', component: () => import('./views/CertifiedView.vue'), meta: { title: '已认证无废细胞' } },
  { path: '/cells/certificates/:number', component: () => import('./views/CertificateView.vue'), meta: { title: '证书查验' }, props: true },
  { path: '/cells/:id', component: () => import('./views/CellView.vue'), meta: { title: '细胞申报', roles: ['admin', 'district'] }, props: true },
  { path: '/complaints', component: () => import('./views/ComplaintsView.vue'), meta: { title: '投诉举报办理', roles: ['admin', 'department', 'district'] } },
  { path: '/complaints/sla', component: () => import('./views/ComplaintsSLAView.vue'), meta: { title: '办理情况统计', roles: ['admin', 'department', 'district'] } },
  { path: '/complaints/:id', component: () => import('./views/ComplaintView.vue'), meta: { title: '投诉详情', roles: ['admin', 'department', 'district'] }, props: true },
  { path: '/admin/users', component: () => import('./views/UsersView.vue'), meta: { title: '工作人员账号', roles: ['admin'] } },
  { path: '/admin/audit', component: () => import('./views/AuditView.vue'), meta: { title: '操作日志', roles: ['admin'] } },
  { path: '/admin/open311', component: () => import('./views/Open311KeysView.vue'), meta: { title: 'Open311 接口密钥', roles: ['admin'] } },
  { path: '/me', component: () => import('./views/MeView.vue'), meta: { title: '我的通知', roles: staff } },
  { path: '/forbidden', component: () => import('./views/ForbiddenView.vue'), meta: { title: '无权访问' } },
  { path: '/:rest(.*)*', component: () => import('./views/NotFoundView.vue'), meta: { title: '页面不存在' } },
]

export const router = createRouter({ history: createWebHistory('/console/'), routes })

let restored = false

router.beforeEach(async (to) => {
  if (!restored) {
    restored = true
    await restore()
  }
  const roles = to.meta.roles
  if (allows(roles, session.user?.role ?? null)) return true
  if (!session.user) return { path: '/login', query: { redirect: to.fullPath } }
  return { path: '/forbidden', query: { from: to.fullPath } }
})

router.afterEach((to) => {
  document.title = (to.meta.title ? to.meta.title + ' · ' : '') + '无废鄂尔多斯'
})
