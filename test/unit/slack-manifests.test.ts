import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../src/bot/messages/ids.js';

const load = (mode: string) => parse(readFileSync(`manifests/slack/app-manifest.${mode}.yaml`, 'utf8'));

describe('Slack app manifests', () => {
  it.each(['http', 'socket'])('when the %s manifest is read, then it asks for exactly the scopes, commands and event the bot uses', (mode) => {
    const m = load(mode);
    expect([...m.oauth_config.scopes.bot].sort()).toEqual(['channels:read', 'chat:write', 'commands', 'groups:read', 'reactions:read', 'usergroups:read', 'users:read']);
    expect(m.features.slash_commands.map((c: { command: string }) => c.command).sort()).toEqual(Object.values(COMMANDS).sort());
    expect(m.settings.event_subscriptions.bot_events).toEqual(['app_home_opened', 'reaction_added']);
    expect(m.features.app_home.home_tab_enabled).toBe(true);
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.settings.socket_mode_enabled).toBe(mode === 'socket');
  });

  it('when in HTTP mode, then every URL is the one events endpoint', () => {
    const m = load('http');
    const urls = [m.settings.event_subscriptions.request_url, m.settings.interactivity.request_url, m.settings.interactivity.message_menu_options_url, ...m.features.slash_commands.map((c: { url: string }) => c.url)];
    expect(new Set(urls.map((u: string) => new URL(u).pathname))).toEqual(new Set(['/slack/events']));
  });
});
