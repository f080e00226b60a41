import { Command } from "@effect/cli"
/** @internal */
export const command = Command.make("replicate")
