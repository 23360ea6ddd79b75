import type { FastifyReply } from "fastify";

const NAMES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict",
  503: "Service Unavailable",
};

/** Every API error has the same shape: { statusCode, error, message }. */
export function sendError(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).send({ statusCode, error: NAMES[statusCode] ?? "Error", message });
}
