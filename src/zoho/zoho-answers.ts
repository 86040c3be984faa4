import { z } from 'zod';

/**
 * The shapes of Zoho CRM v8's answers that mzi reads (zoho/crm-oas v8.0/record.json: Response_Wrapper, Info,
 * Deleted_Records_Wrapper, Success_Response, API_Exception). Records pass through as they are: a module's own
 * fields are its business. Unknown keys are kept, so a new Zoho field never breaks a call.
 */

export const recordSchema = z.looseObject({ id: z.string().min(1) });

/** `info` of a listing: `more_records`, and `next_page_token` when paging with `page_token`. */
const infoSchema = z.looseObject({
  more_records: z.boolean().optional(),
  next_page_token: z.string().nullish(),
  page: z.number().optional(),
  per_page: z.number().optional(),
  count: z.number().optional(),
});

export const recordsAnswerSchema = z.looseObject({
  data: z.array(recordSchema),
  info: infoSchema.optional(),
});

export const deletedAnswerSchema = z.looseObject({
  data: z.array(
    z.looseObject({
      id: z.string().min(1),
      deleted_time: z.string(),
      type: z.string().default('recycle'),
    }),
  ),
  info: infoSchema.optional(),
});

/** One entry of a write's `data`: `{"code","details","message","status"}`. */
const writeEntrySchema = z.looseObject({
  code: z.string(),
  status: z.string(),
  message: z.string().default(''),
  details: z.record(z.string(), z.unknown()).default({}),
});

export const writeAnswerSchema = z.looseObject({ data: z.array(writeEntrySchema) });

/**
 * One entry of an upsert's `data` (zoho/crm-oas v8.0 record.json, upsertRecords: RecordUpsertSuccessDataItem or an
 * error item): a success also says `action` (`insert` | `update`) and `duplicate_field` (nullable).
 */
export const upsertAnswerSchema = z.looseObject({
  data: z.array(
    writeEntrySchema.extend({
      action: z.string().nullish(),
      duplicate_field: z.string().nullish(),
    }),
  ),
});

/** An error answer (API_Exception): `{"code","details","message","status":"error"}`. */
export const errorAnswerSchema = z.looseObject({
  code: z.string(),
  message: z.string().default(''),
  details: z.record(z.string(), z.unknown()).default({}),
  status: z.string().optional(),
});

/**
 * `GET /settings/automation/webhook_failures` (https://www.zoho.com/crm/developer/docs/api/v8/get-webhook-failures.html):
 * a `webhook_failures` array whose entries carry `webhook` (its `name` and `id`) and `entity_details` (the
 * record that fired it). Only those two keys are read as documented; the time and reason are taken from the
 * keys Zoho is seen to use for them, whichever is present.
 */
export const webhookFailuresAnswerSchema = z.looseObject({
  webhook_failures: z.array(
    z.looseObject({
      id: z.union([z.string(), z.number()]).optional(),
      webhook: z.looseObject({
        name: z.string().optional(),
        id: z.union([z.string(), z.number()]).optional(),
      }),
      entity_details: z
        .looseObject({
          name: z.string().nullish(),
          id: z.union([z.string(), z.number()]).nullish(),
          module: z.union([z.string(), z.looseObject({ api_name: z.string().optional() })]).nullish(),
        })
        .nullish(),
    }),
  ),
  info: infoSchema.optional(),
});
