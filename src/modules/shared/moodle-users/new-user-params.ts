import type { NewMoodleUser } from '../../../moodle/create-moodle-client.js';
import { type DesiredMoodleUser, randomPolicyPassword } from './desired-user.js';

/** The create_users entry of a person (no `suspended`: Moodle refuses it on create). */
export function newUserParams(desired: DesiredMoodleUser): NewMoodleUser {
  return {
    username: desired.username,
    firstname: desired.firstname,
    lastname: desired.lastname,
    email: desired.email,
    auth: desired.auth,
    ...(desired.auth === 'manual' ? { createpassword: true } : { password: randomPolicyPassword() }),
    ...(desired.idnumber ? { idnumber: desired.idnumber } : {}),
    ...(desired.phone1 ? { phone1: desired.phone1 } : {}),
    ...(desired.city ? { city: desired.city } : {}),
    ...(desired.country ? { country: desired.country } : {}),
  };
}
