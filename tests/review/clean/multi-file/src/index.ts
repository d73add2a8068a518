export { Room } from "./room";
export * from "./users";
import type { Env } from "./env";

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const user = url.searchParams.get("user");
    const room = url.searchParams.get("room");
    if (!user || !room) return new Response("user and room required", { status: 400 });
    const profile = await env.USERS.getByName(user.slice(0, 2)).lookup(user);
    if (!profile) return new Response("unknown user", { status: 403 });
    ctx.waitUntil(env.AUDIT.getByName(room).record(user, "join"));
    return env.ROOMS.getByName(room).fetch(request);
  },
} satisfies ExportedHandler<Env>;
