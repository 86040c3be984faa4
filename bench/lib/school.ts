import { signBody } from './deliveries.js';

/** A signed custom-JSON delivery of a record to a module's webhook, as Zoho would send it through mzi's setup. */
export async function sendRecord(
  baseUrl: string,
  module: string,
  record: { recordId: string; data: Record<string, string> },
): Promise<void> {
  const body = JSON.stringify({
    notification_id: `${record.recordId}_bench`,
    operation: 'insert',
    record_id: record.recordId,
    data: record.data,
  });
  const response = await fetch(`${baseUrl}/api/v1/events/zoho/${module}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-zoho-signature': `sha256=${signBody(body)}` },
    body,
  });
  if (!response.ok)
    throw new Error(`${module} ${record.recordId}: HTTP ${response.status} ${await response.text()}`);
}

/** Sends deliveries with at most `concurrency` in flight. */
export async function sendAll(
  baseUrl: string,
  module: string,
  records: { recordId: string; data: Record<string, string> }[],
  concurrency = 16,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < records.length) {
      const record = records[next++];
      if (record) await sendRecord(baseUrl, module, record);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}

/** An Active class, the students of one class and their enrollments in it (record ids from `prefix`). */
export function schoolClass(prefix: string, size: number) {
  const id = (kind: number, i: number) => `${prefix}${kind}${String(i).padStart(6, '0')}`;
  const classId = id(0, 0);
  const students = Array.from({ length: size }, (_, i) => ({
    recordId: id(1, i),
    data: {
      Student_ID_Number: `C${id(1, i)}`,
      Academic_Email: `c${id(1, i)}@student.example.edu`,
      Name: `Student ${i}`,
      Student_Status: 'Active',
    },
  }));
  return {
    klass: {
      recordId: classId,
      data: {
        Class_Name: 'BTEC IT Level 3 (bench)',
        Class_Short_Name: `BENCH-${prefix}`,
        Class_Status: 'Active',
        Start_Date: '2027-01-04',
        End_Date: '2027-06-30',
      },
    },
    students,
    enrollments: students.map((student, i) => ({
      recordId: id(2, i),
      data: {
        Enrolled_Students: student.recordId,
        Classes: classId,
        Start_Date: '2027-01-04',
        End_Date: '2027-06-30',
        Enrollment_Status: 'Active',
      },
    })),
  };
}
