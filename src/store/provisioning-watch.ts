import { AliasNode, TableNode } from 'kysely';
import type { KyselyPlugin, OperationNode, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/** Tables written per call, per REGISTER or per API request: not provisioning, so their writes change no lookup. */
const NOT_PROVISIONING: ReadonlySet<string> = new Set(['calls', 'registrations', 'idempotency_keys', 'preflight_results']);

/**
 * A Kysely plugin that tells its listeners when a statement writes provisioning (accounts,
 * trunks, numbers, networks, credentials, destinations, settings), before the statement runs and
 * again once it has: a cache of lookups (issue 13: the edge's directory) dropped then re-reads
 * what the write left. A write whose table it cannot name counts as provisioning.
 */
export class ProvisioningWatch implements KyselyPlugin {
  readonly #listeners: (() => void)[] = [];
  readonly #writes = new WeakSet<object>();

  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (writesProvisioning(args.node)) {
      this.#writes.add(args.queryId);
      this.#fire();
    }
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.#writes.has(args.queryId)) this.#fire();
    return Promise.resolve(args.result);
  }

  #fire(): void {
    for (const l of this.#listeners) l();
  }
}

function writesProvisioning(node: RootOperationNode): boolean {
  let target: OperationNode | undefined;
  if (node.kind === 'InsertQueryNode') target = node.into;
  else if (node.kind === 'UpdateQueryNode') target = node.table;
  else if (node.kind === 'DeleteQueryNode') target = node.from.froms[0];
  else return node.kind === 'MergeQueryNode';
  const table = target && AliasNode.is(target) ? target.node : target;
  const name = table && TableNode.is(table) ? table.table.identifier.name : undefined;
  return name === undefined || !NOT_PROVISIONING.has(name);
}
