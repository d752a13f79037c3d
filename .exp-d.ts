import { startLocalStack } from "./functions/local/local-stack";
const stack = await startLocalStack();
console.log("up", stack.dynamoEndpoint);
const mode = process.argv[2];
if (mode === "exit") process.exit(0);
if (mode === "throw") throw new Error("boom");
if (mode === "wait") setInterval(() => {}, 1000);
