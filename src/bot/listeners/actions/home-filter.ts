import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps.js';
import type { HomeNavigation } from '../../../actions/home/index.js';

/** What a Home control carries: a button's value, or a select's chosen option. */
const valueOf = (action: unknown): string => {
  const a = action as { value?: unknown; selected_option?: { value?: unknown } | null };
  const v = a.selected_option?.value ?? a.value;
  return typeof v === 'string' ? v : '';
};

/** The Home's filter (by id, by status), its Clear button and its pages: the person's Home is published again at once. */
export const homeControl =
  (deps: Pick<BotDeps, 'navigateHome'>, kind: HomeNavigation['kind']) =>
  async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const to: HomeNavigation = kind === 'clear' ? { kind } : { kind, value: valueOf(action) };
    await deps.navigateHome({ user: body.user.id, to });
  };
