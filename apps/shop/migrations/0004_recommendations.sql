-- keel-shop schema v4: the fallback of GET /v1/products/{id}/recommendations.
--
-- When the recommendation provider fails, the shop answers with the best-rated products of the
-- product's category (src/recommendations/queries.hpp: WHERE category = ? ORDER BY rating DESC,
-- id DESC LIMIT n). With (category, rating) — really (category, rating, id) — that is a backwards
-- index range scan that stops after n rows, never a sort of the whole category; the fallback must
-- stay cheap exactly when the provider is down and every request takes it.
CREATE INDEX products_by_category_rating ON products (category, rating);
