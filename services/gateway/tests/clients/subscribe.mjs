// Subscribes to a feed through the gateway like a client app, with a real
// client: a tie-in's promotion feed (default), a merchant's order changes
// (--feed orders --merchant ID) or a creator's commission changes
// (--feed commissions --creator ID). It prints one JSON line per message:
//   {"item": {...}}                      an item of the feed
//   {"errors": [...]}                    the operation was refused (GraphQL errors)
//   {"closed": {"code": N, "reason": S}} the server closed the connection
//   {"ready": true}                      the connection is acknowledged (WebSocket)
// It exits 0 after --count items (or once refused/closed), 3 on --timeout.
//
// node subscribe.mjs --transport transport-ws|legacy-ws|sse --url http://127.0.0.1:PORT/graphql
//                    --token JWT --tie-in UUID [--after CURSOR] [--count N] [--timeout MS]
//                    [--filter JSON] [--feed promotions|orders|commissions --merchant ID --creator ID]
import { createClient as createWsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => {
    if (arg.startsWith('--')) pairs.push([arg.slice(2), all[i + 1]]);
    return pairs;
  }, []),
);
const count = Number(args.count ?? '1');
const timeout = Number(args.timeout ?? '20000');
const feeds = {
  promotions: {
    field: 'promotionFeed',
    query: `subscription Feed($tieIn: ID!, $after: String, $filter: PromotionFeedFilter) {
  promotionFeed(tieIn: $tieIn, after: $after, filter: $filter) {
    cursor kind at
    promotion { id title merchantId products offer { kind bps amount code }
                starts ends tags categories region restricted }
  }
}`,
    variables: { tieIn: args['tie-in'] },
  },
  orders: {
    field: 'orderStatus',
    query: `subscription Orders($merchantId: ID!, $after: String) {
  orderStatus(merchantId: $merchantId, after: $after) {
    cursor orderId merchantId event status payment total amount returnId reason code at
  }
}`,
    variables: { merchantId: args.merchant },
  },
  commissions: {
    field: 'commissionChanges',
    query: `subscription Commissions($creatorId: ID!, $after: String) {
  commissionChanges(creatorId: $creatorId, after: $after) {
    cursor kind creatorId orderId amount payableAt returnId payoutId orders payable clawedBack at
  }
}`,
    variables: { creatorId: args.creator },
  },
};
const feed = feeds[args.feed ?? 'promotions'];
if (!feed) {
  console.error(`unknown --feed ${args.feed}`);
  process.exit(2);
}
const { query, field } = feed;
const variables = { ...feed.variables, after: args.after ?? null };
if (args.filter) variables.filter = JSON.parse(args.filter);
const authorization = args.token ? `Bearer ${args.token}` : undefined;

const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
let received = 0;
let finish = () => process.exit(0);
setTimeout(() => process.exit(3), timeout).unref();

function onItem(result) {
  // Anything arriving while the client closes after its last item is not printed.
  if (received >= count) return;
  if (result.errors) {
    say({ errors: result.errors });
    finish();
    return;
  }
  say({ item: result.data[field] });
  received += 1;
  if (received >= count) finish();
}

function onError(error) {
  if (Array.isArray(error)) say({ errors: error });
  else if (error && typeof error.code === 'number') say({ closed: { code: error.code, reason: error.reason } });
  else say({ closed: { code: 0, reason: String(error && error.message ? error.message : error) } });
  finish();
}

if (args.transport === 'transport-ws') {
  const client = createWsClient({
    url: args.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
    lazy: false,
    on: { connected: () => say({ ready: true }) },
    onNonLazyError: onError,
  });
  finish = () => client.dispose().finally(() => process.exit(0));
  client.subscribe({ query, variables }, { next: onItem, error: onError, complete: () => finish() });
} else if (args.transport === 'legacy-ws') {
  const socket = new WebSocket(args.url.replace(/^http/, 'ws'), 'graphql-ws');
  finish = () => {
    socket.close();
    process.exit(0);
  };
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} })));
  socket.on('close', (code, reason) => onError({ code, reason: reason.toString() }));
  socket.on('message', (raw) => {
    const message = JSON.parse(raw.toString());
    switch (message.type) {
      case 'connection_ack':
        say({ ready: true });
        socket.send(JSON.stringify({ id: '1', type: 'start', payload: { query, variables } }));
        break;
      case 'connection_error':
        say({ closed: { code: 0, reason: message.payload.message } });
        finish();
        break;
      case 'data':
        onItem(message.payload);
        break;
      case 'error':
        onError(Array.isArray(message.payload) ? message.payload : [message.payload]);
        break;
      case 'complete':
        finish();
        break;
      default: // keep-alives
    }
  });
} else if (args.transport === 'sse') {
  const client = createSseClient({
    url: args.url,
    singleConnection: false,
    headers: authorization ? { authorization } : {},
    retryAttempts: 0,
  });
  finish = () => {
    client.dispose();
    process.exit(0);
  };
  client.subscribe({ query, variables }, { next: onItem, error: onError, complete: () => finish() });
} else {
  console.error(`unknown --transport ${args.transport}`);
  process.exit(2);
}
