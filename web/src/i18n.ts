/**
 * The page's two languages, Chinese (zh-CN) and English. The first visit follows the browser
 * (the first of navigator.languages that is Chinese or English; English when neither); the
 * switch in the bar changes it and is remembered in localStorage. Static text in index.html
 * names its message with data-i18n (text), data-i18n-title, data-i18n-placeholder,
 * data-i18n-label (aria-label); code asks t(). Alarm kinds and terminal ids stay as the API
 * names them.
 */
export type Language = 'zh-CN' | 'en';
export const LANGUAGES: readonly Language[] = ['zh-CN', 'en'];
const STORAGE_KEY = 'dipper.lang';

const EN = {
  'page.title': 'Dipper command map',
  'search.placeholder': 'Plate, officer or terminal id',
  'search.label': 'Search',
  'search.none': 'no match',
  categories: 'Categories',
  'category.vehicle': 'Vehicles',
  'category.bodycam': 'Body cameras',
  'category.handheld': 'Handhelds',
  'category.fixedcam': 'Fixed cameras',
  'category.unknown': 'Unknown',
  'type.vehicle': 'vehicle',
  'type.bodycam': 'body camera',
  'type.handheld': 'handheld',
  'type.fixedcam': 'fixed camera',
  'type.unknown': 'unknown',
  heatmap: 'Heatmap',
  'heat.off': 'off',
  'heat.positions': 'positions',
  'heat.alarms': 'alarms',
  'heat.cases': 'cases',
  cases: 'cases',
  total: '{n} in view',
  'total.title': 'terminals in view',
  'live.on': 'live updates',
  'live.off': 'live updates lost: polling',
  'token.button': 'API token',
  'token.needed': 'This API needs a token.',
  'token.placeholder': 'API token',
  'token.refused': 'That token was refused.',
  'token.cancel': 'Cancel',
  'token.ok': 'Use token',
  language: 'Language',
  incidents: 'Incidents',
  'incidents.unavailable': 'incidents unavailable: {error}',
  'incident.show': 'show on the map',
  'incident.noFix': 'no fix with this alarm',
  'incident.assignTo': 'Assign {kind} of {terminal} to (person or unit):',
  'action.ack': 'Acknowledge',
  'action.assign': 'Assign…',
  'action.resolve': 'Resolve',
  'action.close': 'Close',
  'status.open': 'open',
  'status.acknowledged': 'acknowledged',
  'status.assigned': 'assigned',
  'status.resolved': 'resolved',
  'status.closed': 'closed',
  close: 'Close',
  'fact.terminal': 'terminal',
  'fact.category': 'category',
  'fact.org': 'org',
  'fact.plate': 'plate',
  'fact.officer': 'officer',
  'fact.name': 'name',
  'fact.state': 'state',
  'fact.latest fix': 'latest fix',
  'fact.fix time': 'fix time',
  'fact.speed': 'speed',
  'fact.heading': 'heading',
  'fact.last seen': 'last seen',
  'fact.connection': 'connection',
  'fact.error': 'error',
  'state.online': 'online',
  'state.offline': 'offline',
  'state.alarm': 'alarm',
  'alarms.active': 'Active alarms',
  track: 'Track',
  'track.last': 'last',
  'track.hours': '{n} h',
  'track.play': '▶ play',
  'track.pause': '❚❚ pause',
  'track.position': 'Track position',
  'track.none': 'no track in this period',
  locate: 'Locate now',
  'locate.asking': 'asking the terminal…',
  'locate.fix': 'Position at {time}',
  'locate.place': 'place',
  'locate.speed': 'speed',
  'locate.heading': 'heading',
  'locate.noFix': 'the terminal answered without a valid fix',
  'locate.offline': 'offline: the terminal is not connected',
  'locate.timeout': 'no answer from the terminal',
  'locate.failed': 'failed: {error}',
  'locate.http': 'HTTP {status}: {body}',
  kmh: '{n} km/h',
  legend: 'Legend',
  'legend.categories': 'Categories',
  'legend.states': 'Terminal state (arrow)',
  'legend.marks': 'Alarm marks',
  'legend.cluster': 'cluster: ring in category shares, count inside',
  'legend.clusterAlarm': 'cluster with a terminal in alarm (flashing)',
  'legend.terminalAlarm': 'terminal in alarm (flashing ring)',
  'legend.alarmEvent': 'alarm just raised (flashes 10 min)',
  'legend.incident': 'incident not yet closed',
  'legend.case': 'case',
  'legend.district': 'district boundary',
  'legend.time': 'Times: {zone}',
  'legend.duty': 'Duty areas: units on post',
  'legend.dutyAll': 'all on post',
  'legend.dutyHalf': 'half on post',
  'legend.dutyNone': 'none on post',
  'legend.dutyUnassigned': 'no unit assigned (dashed: off shift)',
  duty: 'duty areas',
  'duty.title': 'duty areas coloured by the share of their units on post',
  evidence: 'Evidence',
  'evidence.for': 'Evidence: {what}',
  'media.latest': 'Latest media',
  'media.none': 'no media',
  'media.unavailable': 'media unavailable: {error}',
  'media.removed': 'deleted to make room',
  'media.photo': 'photo from {terminal}',
  'media.download': 'download',
  'media.link.while-open': 'sent while open',
  'media.link.attached': 'attached',
  'media.link.uploaded': 'uploaded',
  dispatch: 'Dispatch',
  'dispatch.for': 'Send units to {what}',
  'dispatch.none': 'no free unit online nearby',
  'dispatch.send': 'Send',
  'dispatch.cancel': 'Close',
  'dispatch.eta': '{m} m · about {min} min',
  'dispatch.sent': 'sent: {n} (answered {ok})',
  'dispatch.enRoute': 'en route',
  'dispatch.arrived': 'arrived',
  'dispatch.failed': 'dispatch failed: {error}',
} as const;

export type MessageKey = keyof typeof EN;

const ZH: Record<MessageKey, string> = {
  'page.title': 'Dipper 指挥一张图',
  'search.placeholder': '车牌、警员或终端号',
  'search.label': '搜索',
  'search.none': '无匹配',
  categories: '类别',
  'category.vehicle': '车辆',
  'category.bodycam': '执法记录仪',
  'category.handheld': '手持终端',
  'category.fixedcam': '固定摄像头',
  'category.unknown': '未知',
  'type.vehicle': '车辆',
  'type.bodycam': '执法记录仪',
  'type.handheld': '手持终端',
  'type.fixedcam': '固定摄像头',
  'type.unknown': '未知',
  heatmap: '热力图',
  'heat.off': '关',
  'heat.positions': '位置',
  'heat.alarms': '报警',
  'heat.cases': '案件',
  cases: '案件',
  total: '视野内 {n} 个',
  'total.title': '视野内的终端',
  'live.on': '实时更新',
  'live.off': '实时更新中断：改为轮询',
  'token.button': 'API 令牌',
  'token.needed': '此接口需要令牌。',
  'token.placeholder': 'API 令牌',
  'token.refused': '令牌被拒绝。',
  'token.cancel': '取消',
  'token.ok': '使用令牌',
  language: '语言',
  incidents: '事件',
  'incidents.unavailable': '事件暂不可用：{error}',
  'incident.show': '在地图上显示',
  'incident.noFix': '此报警无定位',
  'incident.assignTo': '将 {terminal} 的 {kind} 指派给（人员或单位）：',
  'action.ack': '确认',
  'action.assign': '指派…',
  'action.resolve': '处置完毕',
  'action.close': '关闭',
  'status.open': '待处理',
  'status.acknowledged': '已确认',
  'status.assigned': '已指派',
  'status.resolved': '已处置',
  'status.closed': '已关闭',
  close: '关闭',
  'fact.terminal': '终端',
  'fact.category': '类别',
  'fact.org': '单位',
  'fact.plate': '车牌',
  'fact.officer': '警员',
  'fact.name': '名称',
  'fact.state': '状态',
  'fact.latest fix': '最新定位',
  'fact.fix time': '定位时间',
  'fact.speed': '速度',
  'fact.heading': '方向',
  'fact.last seen': '最后上报',
  'fact.connection': '连接',
  'fact.error': '错误',
  'state.online': '在线',
  'state.offline': '离线',
  'state.alarm': '报警',
  'alarms.active': '当前报警',
  track: '轨迹',
  'track.last': '最近',
  'track.hours': '{n} 小时',
  'track.play': '▶ 播放',
  'track.pause': '❚❚ 暂停',
  'track.position': '轨迹位置',
  'track.none': '该时段无轨迹',
  locate: '立即定位',
  'locate.asking': '正在询问终端…',
  'locate.fix': '{time} 的位置',
  'locate.place': '位置',
  'locate.speed': '速度',
  'locate.heading': '方向',
  'locate.noFix': '终端已应答，但无有效定位',
  'locate.offline': '离线：终端未连接',
  'locate.timeout': '终端无应答',
  'locate.failed': '失败：{error}',
  'locate.http': 'HTTP {status}：{body}',
  kmh: '{n} 公里/小时',
  legend: '图例',
  'legend.categories': '类别',
  'legend.states': '终端状态（箭头）',
  'legend.marks': '报警标记',
  'legend.cluster': '聚合：外环为各类别占比，中间为数量',
  'legend.clusterAlarm': '含报警终端的聚合（闪烁）',
  'legend.terminalAlarm': '报警中的终端（闪烁圆环）',
  'legend.alarmEvent': '新报警（闪烁 10 分钟）',
  'legend.incident': '未关闭的事件',
  'legend.case': '案件',
  'legend.district': '区界',
  'legend.time': '时间：{zone}',
  'legend.duty': '勤务区：在岗人员',
  'legend.dutyAll': '全部在岗',
  'legend.dutyHalf': '半数在岗',
  'legend.dutyNone': '无人在岗',
  'legend.dutyUnassigned': '未分配人员（虚线：非勤务时段）',
  duty: '勤务区',
  'duty.title': '勤务区按在岗人员占比着色',
  dispatch: '派警',
  evidence: '证据',
  'evidence.for': '证据：{what}',
  'media.latest': '最新多媒体',
  'media.none': '无多媒体',
  'media.unavailable': '多媒体暂不可用：{error}',
  'media.removed': '已删除以腾出空间',
  'media.photo': '{terminal} 的照片',
  'media.download': '下载',
  'media.link.while-open': '事件期间上传',
  'media.link.attached': '已关联',
  'media.link.uploaded': '已上传',
  'dispatch.for': '为 {what} 派警',
  'dispatch.none': '附近没有空闲在线的警力',
  'dispatch.send': '派出',
  'dispatch.cancel': '关闭',
  'dispatch.eta': '{m} 米 · 约 {min} 分钟',
  'dispatch.sent': '已派出：{n}（已应答 {ok}）',
  'dispatch.enRoute': '途中',
  'dispatch.arrived': '已到达',
  'dispatch.failed': '派警失败：{error}',
};

const MESSAGES: Record<Language, Record<MessageKey, string>> = { en: EN, 'zh-CN': ZH };

/** The language for a stored choice and the browser's list (pure: the tests' reasoning is here). */
export function chooseLanguage(stored: string | null, preferred: readonly string[]): Language {
  if (stored && (LANGUAGES as readonly string[]).includes(stored)) return stored as Language;
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'zh') return 'zh-CN';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

let current: Language = chooseLanguage(localStorage.getItem(STORAGE_KEY), navigator.languages?.length ? navigator.languages : [navigator.language]);
const listeners: ((language: Language) => void)[] = [];

export function language(): Language {
  return current;
}

/** The message in the page's language, `{name}` replaced by params. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  return MESSAGES[current][key].replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Whether a string names a message (for keys built from data, e.g. `kind.${category}`). */
export function isMessage(key: string): key is MessageKey {
  return key in EN;
}

/** Rewrites the static text of the page (data-i18n*) in the current language. */
export function translatePage(root: ParentNode = document): void {
  document.documentElement.lang = current;
  document.title = t('page.title');
  const each = (attr: string, apply: (el: HTMLElement, text: string) => void) => {
    for (const el of root.querySelectorAll<HTMLElement>(`[${attr}]`)) {
      const key = el.getAttribute(attr)!;
      if (isMessage(key)) apply(el, t(key));
    }
  };
  each('data-i18n', (el, text) => (el.textContent = text));
  each('data-i18n-title', (el, text) => (el.title = text));
  each('data-i18n-placeholder', (el, text) => el.setAttribute('placeholder', text));
  each('data-i18n-label', (el, text) => el.setAttribute('aria-label', text));
}

export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  if (language === current) return;
  current = language;
  translatePage();
  for (const f of listeners) f(language);
}

/** Called after every change of language (dynamic text redraws itself). */
export function onLanguage(f: (language: Language) => void): void {
  listeners.push(f);
}
