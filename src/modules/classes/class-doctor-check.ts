import type { ModuleCheck } from '../zoho-module.js';
import type { ClassSettings } from './class-settings.js';

/** When classes get, hide and date their courses, and the teacher role (`mzi doctor`). */
export function classCoursesCheck(settings: ClassSettings): ModuleCheck {
  const hide = settings.hideStatuses.length > 0 ? settings.hideStatuses.join(',') : 'no status';
  const deleted = settings.onDelete === 'hide' ? 'and deleted classes' : '(deleted classes keep theirs)';
  return {
    name: 'moodle class courses',
    status: 'ok',
    detail: `courses (idnumber ${settings.idnumberPrefix}<record id>) for Class_Status ${settings.createStatuses.join(',') || 'none'}, hidden for ${hide} ${deleted}; dates in ${settings.timeZone}; teachers enrolled with role ${settings.teacherRoleId}, which the web-service user's role must be allowed to assign (Define roles > Allow role assignments)`,
  };
}
