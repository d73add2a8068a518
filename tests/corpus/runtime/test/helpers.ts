// Shared helpers for the runtime tests. Every test title starts with the reference doc id it verifies.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import type { Lab } from "../src/index";

let counter = 0;

/** A fresh object name, so tests in one file (which share storage) do not see each other's data. */
export function fresh(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${Date.now()}`;
}

export function lab(name: string): DurableObjectStub<Lab> {
  return env.LAB.getByName(name);
}

/** Run `fn` inside a fresh (or named) Lab object with its DurableObjectState. */
export function inLab<R>(
  fn: (state: DurableObjectState, instance: Lab) => R | Promise<R>,
  name: string = fresh("lab"),
): Promise<R> {
  return runInDurableObject(lab(name), (instance: Lab, state: DurableObjectState) => fn(state, instance));
}

/** "Name: message" of what `fn` throws, or "no error". */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  return "no error";
}

export async function asyncErrorOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return `${(e as Error).name}: ${(e as Error).message}`;
  }
  return "no error";
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
