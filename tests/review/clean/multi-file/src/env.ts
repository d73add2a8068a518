import type { Room } from "./room";
import type { UserDirectory } from "./users";

export interface Env {
  ROOMS: DurableObjectNamespace<Room>;
  USERS: DurableObjectNamespace<UserDirectory>;
  AUDIT: DurableObjectNamespace<{ record(user: string, action: string): Promise<void> } & Rpc.DurableObjectBranded>;
}
