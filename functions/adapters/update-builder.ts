/**
 * Builds a DynamoDB UpdateExpression with placeholder names for every attribute, so no call site
 * hand-assembles "SET a = :a, …" strings or trips over reserved words (owner, stage, count …).
 */
export class UpdateBuilder {
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private readonly conditions: string[] = [];
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private counter = 0;

  private name(attribute: string): string {
    const placeholder = `#${attribute.replace(/[^A-Za-z0-9_]/g, "_")}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  private value(value: unknown): string {
    const placeholder = `:v${this.counter++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** Whether the expression already sets or removes `attribute`. */
  has(attribute: string): boolean {
    const placeholder = `#${attribute.replace(/[^A-Za-z0-9_]/g, "_")}`;
    return [...this.sets, ...this.removes, ...this.adds].some(
      (clause) => clause.startsWith(`${placeholder} `) || clause === placeholder,
    );
  }

  set(attribute: string, value: unknown): this {
    this.sets.push(`${this.name(attribute)} = ${this.value(value)}`);
    return this;
  }

  setIfNotExists(attribute: string, value: unknown): this {
    const n = this.name(attribute);
    this.sets.push(`${n} = if_not_exists(${n}, ${this.value(value)})`);
    return this;
  }

  /** SET when there is a value, REMOVE when there is none. */
  setOrRemove(attribute: string, value: unknown): this {
    return value === undefined || value === null
      ? this.remove(attribute)
      : this.set(attribute, value);
  }

  remove(...attributes: string[]): this {
    for (const attribute of attributes) this.removes.push(this.name(attribute));
    return this;
  }

  increment(attribute: string, by = 1): this {
    this.adds.push(`${this.name(attribute)} ${this.value(by)}`);
    return this;
  }

  /** Moves the lead's `counted` holding, conditional on its old value (see core/holding.ts). */
  counted(counted: { from?: string; to?: string }): this {
    this.setOrRemove("counted", counted.to);
    return counted.from === undefined
      ? this.condition("attribute_not_exists(#counted)")
      : this.condition("#counted = :cCounted", {}, { ":cCounted": counted.from });
  }

  /** Adds a condition; conditions are ANDed. Placeholders given here are passed through. */
  condition(
    expression: string,
    names: Record<string, string> = {},
    values: Record<string, unknown> = {},
  ): this {
    this.conditions.push(expression);
    Object.assign(this.names, names);
    Object.assign(this.values, values);
    return this;
  }

  build(): {
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    const clauses = [
      this.sets.length > 0 ? `SET ${this.sets.join(", ")}` : "",
      this.removes.length > 0 ? `REMOVE ${this.removes.join(", ")}` : "",
      this.adds.length > 0 ? `ADD ${this.adds.join(", ")}` : "",
    ].filter((c) => c !== "");
    return {
      UpdateExpression: clauses.join(" "),
      ConditionExpression: this.conditions.length > 0 ? this.conditions.join(" AND ") : undefined,
      ExpressionAttributeNames: Object.keys(this.names).length > 0 ? this.names : undefined,
      ExpressionAttributeValues: Object.keys(this.values).length > 0 ? this.values : undefined,
    };
  }
}
