import type { FastifyReply } from 'fastify';

/** Sends a rendered dashboard page; pages show live state, so no cache keeps them. */
export const replyHtml = (reply: FastifyReply, page: string) =>
  reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
