/**
 * The echonext example app, served by the repository's main command:
 *
 *   tsgi serve examples/echonext-hello/app.ts:app
 *
 * It shows plain and parameterized routes, a class-based view, a sub-app
 * included under a prefix, middleware, lifespan state and a WebSocket route.
 */
import { EchoNext, type Request, View } from 'echonext';
import { blog } from './blog.js';

/** The app: itself a TSGI application. */
export const app = new EchoNext();

// Middleware: every response, error responses included, says how long it took.
app.use(async (request, next) => {
  const started = performance.now();
  const response = await next(request);
  response.setHeader('server-timing', `app;dur=${(performance.now() - started).toFixed(2)}`);
  return response;
});

// State made at startup reaches every request as `request.state`.
app.onStartup((state) => {
  state.visits = { count: 0 };
});

app.get('/', () => 'Hello from echonext!', { name: 'home' });

app.get('/hello/{name}', (request) => `Hello, ${request.params.name}!`, { name: 'hello' });

app.get(
  '/article/{article_id:int}',
  (request) => ({
    article_id: request.params.article_id,
    url: app.urlFor('article', { article_id: request.params.article_id }, request),
  }),
  { name: 'article' },
);

interface Visits {
  count: number;
}

/** A class-based view: GET reads the counter, POST adds one, DELETE resets it; PUT gets 405. */
class VisitsView extends View {
  get(request: Request) {
    return { visits: (request.state.visits as Visits).count };
  }

  post(request: Request) {
    const visits = request.state.visits as Visits;
    visits.count += 1;
    return { visits: visits.count };
  }

  delete(request: Request) {
    (request.state.visits as Visits).count = 0;
  }
}

app.route('/visits', VisitsView, { name: 'visits' });

// A sub-app under a prefix: /blog/ and /blog/{slug}.
app.include('/blog', blog);

// Echoes every message back.
app.websocket('/ws/echo', async (ws) => {
  await ws.accept();
  for await (const message of ws) {
    if (typeof message === 'string') await ws.sendText(message);
    else await ws.sendBytes(message);
  }
});

export default app;
