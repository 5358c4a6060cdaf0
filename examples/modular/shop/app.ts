/**
 * The shop module: products and a cart kept in a cookie. Like the blog, it
 * runs alone or inside a monolith without a change.
 */
import { EchoNext, NotFound, text } from 'echonext';

const products: ReadonlyMap<number, { id: number; name: string; price: number }> = new Map([
  [1, { id: 1, name: 'Mug', price: 12 }],
  [2, { id: 2, name: 'T-shirt', price: 20 }],
]);

/** Builds the shop module. */
export function createShop(): EchoNext {
  const shop = new EchoNext({ namespace: 'shop' });

  shop.use(async (request, next) => {
    const response = await next(request);
    response.setHeader('x-module', 'shop');
    return response;
  });

  shop.get('/products', () => [...products.values()], { name: 'products' });

  shop.get(
    '/products/{product_id:int}',
    (request) => {
      const product = products.get(request.params.product_id);
      if (product === undefined) throw new NotFound(`no product ${request.params.product_id}`);
      return product;
    },
    { name: 'product' },
  );

  // The cart lives in a cookie: a comma-separated list of product ids.
  shop.get('/cart', (request) => {
    const ids = (request.cookies.get('cart') ?? '').split(',').filter(Boolean).map(Number);
    return { items: ids, total: ids.reduce((sum, id) => sum + (products.get(id)?.price ?? 0), 0) };
  });

  shop.post('/cart/{product_id:int}', (request) => {
    const id = request.params.product_id;
    if (!products.has(id)) throw new NotFound(`no product ${id}`);
    const cart = request.cookies.get('cart');
    const response = text('added', { status: 201 });
    response.setCookie('cart', cart === undefined || cart === '' ? String(id) : `${cart},${id}`);
    return response;
  });

  shop.onError(NotFound, (error) => ({ module: 'shop', error: error.message }));

  return shop;
}
