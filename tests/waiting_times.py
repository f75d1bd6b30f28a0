"""Seconds each waiting test took (setup, call and teardown), by node id: the order in which
tests/scheduling.py hands them out, longest first. Measured in the first lane of `make test`
(`-n 3 --dist loadgroup`, junit times) on 2026-12-02 04:58-05:25 at load 7-21 (mean 13); only
the order matters. Tests not here (new ones) come after these, in collection order
(docs/performance.md, "Test suite time, sixth pass")."""

SECONDS: dict[str, float] = {
    "tests/test_benchmarks_quick.py::test_quick_benchmark_reports_every_figure":
        252.9,
    "tests/cli/test_relay_backfill.py::test_a_record_forged_above_the_frontier_is_refused_when_its_chain_arrives":
        91.4,
    "tests/cli/test_relay_backfill.py::test_a_hub_silent_mid_walk_leaves_no_hole_below_the_frontier":
        58.2,
    "tests/cli/test_relay_verify_mid_backfill.py::test_verify_mid_backfill_says_not_yet_received_and_no_history_deleted":
        53.4,
    "tests/cli/test_relay_backfill.py::test_a_join_shows_the_newest_first_and_the_rest_streams_in_behind":
        52.2,
    "tests/cli/test_relay_backfill_priority.py::test_a_relay_stopped_while_a_page_is_applied_on_its_thread_goes_on_after_restart":
        46.9,
    "tests/cli/test_relay_unsent_count.py::test_relay_status_counts_every_record_waiting_while_the_link_is_up":
        42.8,
    "tests/cli/test_relay_join_catching_up.py::test_a_relay_behind_the_stream_when_the_join_came_does_not_apply_the_history_again":
        39.0,
    "tests/cli/test_relay_join_invite_not_here_yet.py::test_a_join_with_a_code_not_arrived_yet_says_so_then_joins":
        35.8,
    "tests/cli/test_relay_backfill_priority.py::test_a_walk_spends_most_of_its_cpu_on_threads_of_lower_priority":
        35.6,
    "tests/cli/test_relay_refetch.py::test_most_of_a_large_history_deleted_comes_back_page_by_page":
        27.8,
    "tests/cli/test_relay_partition.py::test_a_leaf_cut_off_while_every_host_writes_converges":
        26.6,
    "tests/cli/test_relay.py::test_join_on_a_host_without_the_group_fetches_it_through_the_relay":
        24.9,
    "tests/cli/test_relay.py::test_both_sides_write_through_a_cut_and_converge[15]":
        24.1,
    "tests/cli/test_relay.py::test_both_sides_write_through_a_cut_and_converge[9]":
        22.9,
    "tests/cli/test_relay_partition.py::test_the_hub_sees_a_silent_leaf_gone_within_seconds":
        22.7,
    "tests/cli/test_relay.py::test_the_hub_relay_killed_mid_stream_loses_and_doubles_nothing":
        22.4,
    "tests/cli/test_relay_refetch.py::test_an_invite_and_a_membership_change_deleted_come_back":
        21.0,
    "tests/cli/test_relay_replaced_file.py::test_a_file_that_is_no_group_file_is_not_filled_from_the_hub":
        20.9,
    "tests/cli/test_offline_people_across_hosts.py::test_people_of_an_offline_host_are_named_shown_away_and_invited_when_it_is_back":
        20.8,
    "tests/cli/test_relay_replaced_file.py::test_a_group_file_taken_away_and_joined_again_gets_history_and_live_records":
        20.7,
    "tests/cli/test_relay_backfill_unread.py::test_backfilled_history_is_not_unread_but_live_and_late_messages_are":
        20.5,
    "tests/cli/test_relay_refetch.py::test_rows_deleted_from_a_leafs_file_while_its_relay_runs_come_back":
        19.2,
    "tests/cli/test_acceptance_third_pass.py::test_a_member_cut_off_while_removed_or_demoted_sees_no_deleted_history_afterwards[demote]":
        18.3,
    "tests/cli/test_relay_republish_first.py::test_the_hub_killed_between_its_republish_and_its_commit_loses_and_doubles_nothing":
        16.5,
    "tests/cli/test_relay_inbound.py::test_a_hub_from_before_drains_its_shared_inbound_stream_and_loses_nothing":
        15.8,
    "tests/cli/test_relay_status_seventh_pass.py::test_a_token_made_on_the_hub_keeps_each_leafs_up_since":
        14.8,
    "tests/cli/test_relay_partition.py::test_a_member_removed_while_posting_from_a_cut_off_host_is_void_everywhere":
        14.3,
    "tests/cli/test_link_state.py::test_link_state_and_sync_column_follow_the_link":
        13.8,
    "tests/cli/test_relay_cut_releases_place.py::test_a_post_void_by_a_cut_on_one_host_voids_no_later_post":
        13.5,
    "tests/cli/test_relay_refetch.py::test_peers_relay_refetch_brings_the_rows_back_at_once":
        13.1,
    "tests/tui/test_unread_after_join.py::test_the_group_list_shows_no_backfilled_history_but_live_and_late_messages":
        12.7,
    "tests/cli/test_relay_ends_third_round.py::test_a_record_built_on_one_too_large_to_carry_is_void_where_it_was_written":
        12.6,
    "tests/cli/test_relay_pin_relay_stopped.py::test_rows_deleted_and_written_while_the_relay_is_stopped_are_published_at_its_start[bob's head and carol's row above it]":
        12.4,
    "tests/cli/test_relay_void_where_written.py::test_a_removal_written_here_takes_out_here_what_it_voids[leaf]":
        12.3,
    "tests/cli/test_relay_unsent_head_deleted.py::test_bobs_unsent_head_deleted_on_his_host_silences_him_nowhere[sent, relay stopped]":
        12.3,
    "tests/cli/test_link_state.py::test_a_group_just_joined_shows_its_backfill_before_the_relay_reports_it":
        12.3,
    "tests/cli/test_relay.py::test_three_hosts_write_while_a_leaf_is_killed_and_restarted":
        12.2,
    "tests/cli/test_relay_pin_relay_stopped.py::test_an_invite_written_over_a_deleted_top_invite_while_the_relay_is_stopped_goes_out":
        12.0,
    "tests/cli/test_relay_own_place_junk.py::test_an_invite_through_junk_at_its_place_reaches_every_host_and_the_junk_stays":
        11.7,
    "tests/tui/test_relay_tui_seventh_pass.py::test_an_open_log_drops_what_a_cut_made_void":
        11.6,
    "tests/cli/test_relay_hub_server_restart.py::test_records_flow_again_soon_after_the_hubs_server_restarted[restart_hub_relay]":
        11.5,
    "tests/cli/test_attack_huge_rowid.py::test_junk_at_the_highest_rowid_a_relay_scanned_stops_nothing[bob's next place]":
        11.2,
    "tests/cli/test_relay_pin_relay_stopped.py::test_rows_deleted_and_written_while_the_relay_is_stopped_are_published_at_its_start[carol's top row]":
        11.2,
    "tests/tui/test_held_handle_resign.py::test_a_handle_change_refused_as_stale_waits_visibly_for_its_user_then_any_command_signs_it":
        11.2,
    "tests/cli/test_relay_refetch.py::test_rows_deleted_while_the_relay_is_stopped_come_back_at_its_start":
        11.0,
    "tests/cli/test_relay_flood.py::test_a_leaf_spreading_a_flood_over_made_up_groups_fills_only_its_own_backlog[bounded0]":
        10.7,
    "tests/cli/test_relay_batch_held.py::test_a_record_behind_a_refused_batch_mate_of_its_id_reaches_every_host":
        10.5,
    "tests/cli/test_relay_ends_third_round.py::test_a_record_built_on_a_row_with_a_bad_signature_is_void_where_it_was_written":
        10.5,
    "tests/cli/test_relay_void_invite_join.py::test_a_join_with_an_invite_void_by_a_cut_says_why":
        10.3,
    "tests/cli/test_relay_unsent_head_deleted.py::test_bobs_unsent_head_deleted_on_his_host_silences_him_nowhere[unsent]":
        10.2,
    "tests/cli/test_relay_refetch.py::test_rows_deleted_from_the_hubs_own_file_come_back_from_its_stream":
        9.9,
    "tests/cli/test_relay_flood.py::test_a_flooding_leaf_is_bounded_and_genuine_records_still_flow[bounded0]":
        9.5,
    "tests/cli/test_relay_status_seventh_pass.py::test_a_founding_record_edited_in_place_is_named_by_relay_status":
        9.5,
    "tests/cli/test_relay_evidence_of_nothing.py::test_a_message_whose_row_was_changed_reaches_every_log":
        9.2,
    "tests/cli/test_relay_join_invite_ahead.py::test_a_joined_invite_ahead_of_its_predecessor_is_not_refused_by_the_leafs_scan":
        9.0,
    "tests/cli/test_relay_verify_same.py::test_two_void_records_in_a_row_read_the_same_on_every_host[another group's record]":
        8.9,
    "tests/cli/test_relay_hub_holds_id.py::test_one_authors_two_records_of_one_id_through_two_hosts_end_the_same[C]":
        8.8,
    "tests/cli/test_relay.py::test_joins_from_two_leaves_at_once_both_count_in_one_order":
        8.8,
    "tests/cli/test_held_handle_shown.py::test_a_handle_change_kept_for_the_hub_is_told_until_the_hub_has_it":
        8.7,
    "tests/cli/test_relay_hub_server_restart.py::test_records_flow_again_soon_after_the_hubs_server_restarted[make_a_token]":
        8.7,
    "tests/cli/test_relay_hub_holds_id.py::test_one_authors_two_records_of_one_id_through_two_hosts_end_the_same[B]":
        8.7,
    "tests/cli/test_attack_rowid_crowd.py::test_a_leaf_with_junk_below_the_high_rowids_publishes_on":
        8.5,
    "tests/cli/test_relay_ends_third_round.py::test_records_a_member_builds_on_their_own_void_one_get_one_verdict_everywhere":
        8.5,
    "tests/cli/test_held_handle_shown.py::test_a_plain_send_to_another_group_signs_again_a_change_refused_as_stale":
        8.3,
    "tests/cli/test_relay_verify_same.py::test_two_void_records_in_a_row_published_into_a_stream_read_the_same[B's inbound stream]":
        8.2,
    "tests/cli/test_relay_verify_same.py::test_two_void_records_in_a_row_published_into_a_stream_read_the_same[the federation stream]":
        8.1,
    "tests/tui/test_relay_people.py::test_invite_names_a_person_on_another_host_and_the_invitation_reaches_them":
        7.9,
    "tests/cli/test_relay_void_where_written.py::test_a_removal_written_here_takes_out_here_what_it_voids[hub]":
        7.8,
    "tests/cli/test_relay_hub_holds_id.py::test_a_copy_of_another_members_id_displaces_the_original_nowhere":
        7.8,
    "tests/cli/test_relay_inbound.py::test_a_revoked_leafs_stream_is_deleted_once_drained":
        7.7,
    "tests/cli/test_relay_verify_same.py::test_two_void_records_in_a_row_read_the_same_on_every_host[signed by another key]":
        7.7,
    "tests/cli/test_relay_refetch.py::test_a_void_row_deleted_stays_gone_and_a_genuine_one_comes_back":
        7.7,
    "tests/cli/test_attack_huge_rowid.py::test_junk_at_the_highest_evidence_id_hides_no_later_junk_from_relay_rejected":
        7.6,
    "tests/cli/test_relay_forks.py::test_a_fork_filed_into_one_hosts_file_ends_void_on_every_host":
        7.6,
    "tests/cli/test_relay_own_place_junk.py::test_a_record_taking_the_place_of_the_top_row_a_relay_scanned_is_published":
        7.6,
    "tests/cli/test_relay_join_invite_ahead.py::test_the_hubs_scan_sends_an_invite_after_its_authors_earlier_messages":
        7.6,
    "tests/tui/test_relay_tui_acceptance.py::test_join_with_a_code_in_the_app_fetches_a_group_from_another_host":
        7.6,
    "tests/cli/test_relay_own_place_junk.py::test_bob_sends_through_junk_at_his_places_on_his_host_and_it_never_leaves":
        7.1,
    "tests/cli/test_relay_ends_third_round.py::test_a_host_joining_later_gets_the_evidence_with_the_history":
        7.0,
    "tests/cli/test_relay_founding.py::test_a_leaf_founds_only_so_many_groups_nobody_at_the_hub_is_in":
        7.0,
    "tests/cli/test_acceptance_own_file_changes.py::test_a_membership_change_the_hub_did_not_answer_in_time_is_not_said_to_be_unmade":
        6.9,
    "tests/cli/test_relay_stale_invite.py::test_a_change_after_a_join_with_a_fresh_invite_at_the_hub_goes_through":
        6.9,
    "tests/cli/test_relay_own_pin.py::test_alices_head_deleted_on_the_hub_then_her_invite_reaches_every_host":
        6.6,
    "tests/cli/test_relay_own_pin.py::test_bobs_head_deleted_on_his_host_then_his_send_reaches_every_host_whole[below others]":
        6.5,
    "tests/cli/test_relay_ids_ahead.py::test_two_hosts_writing_after_an_id_ahead_of_the_clock_both_reach_everyone":
        6.5,
    "tests/tui/test_relay_people.py::test_a_direct_conversation_with_a_person_on_another_host":
        6.4,
    "tests/cli/test_attack_huge_rowid.py::test_junk_at_the_highest_rowid_a_relay_scanned_stops_nothing[another place]":
        6.3,
    "tests/cli/test_attack_huge_rowid.py::test_junk_at_the_highest_invite_id_a_relay_scanned_stops_no_invite":
        6.1,
    "tests/cli/test_acceptance_third_pass.py::test_a_member_cut_off_while_removed_or_demoted_sees_no_deleted_history_afterwards[remove]":
        6.0,
    "tests/cli/test_relay_join_invite_ahead.py::test_an_invite_ahead_is_not_refused_while_the_join_has_not_written_the_ledger":
        6.0,
    "tests/tui/test_relay_people.py::test_peers_invite_to_a_person_on_another_host":
        5.7,
    "tests/cli/test_relay_own_pin.py::test_bobs_head_deleted_on_his_host_then_his_send_reaches_every_host_whole[top row]":
        5.7,
    "tests/cli/test_relay_junk_at_arrival.py::test_junk_set_aside_is_listed_in_relay_rejected_once":
        5.7,
    "tests/cli/test_acceptance_second_pass.py::test_a_join_through_a_hung_nats_server_says_one_line":
        5.7,
    "tests/cli/test_relay_new_token.py::test_a_revoked_leaf_takes_a_new_token_and_keeps_its_place":
        5.5,
    "tests/tui/test_relay_tui_acceptance.py::test_a_role_change_in_the_app_that_loses_the_race_at_the_hub_is_done_again":
        5.5,
    "tests/tui/test_relay_people.py::test_who_lists_members_across_hosts_with_host_and_presence":
        5.4,
    "tests/cli/test_relay_void_invite_join.py::test_a_join_of_a_group_whose_founders_relay_has_not_sent_it_says_it_may_come":
        5.3,
    "tests/tui/test_relay_port_moved_tui.py::test_join_in_the_app_reaches_a_relay_that_moved_its_client_port":
        5.2,
    "tests/cli/test_relay_new_group.py::test_a_group_founded_right_after_another_can_be_joined_from_another_host_at_once":
        5.2,
    "tests/cli/test_relay_acceptance.py::test_one_token_on_two_hosts_is_named_not_taken_for_a_bad_network":
        5.1,
    "tests/cli/test_relay_acceptance.py::test_a_relay_whose_nats_server_was_killed_starts_it_again":
        5.0,
    "tests/tui/test_relay_tui_acceptance.py::test_a_leaf_whose_token_was_revoked_says_so_in_the_app_and_in_groups":
        4.6,
    "tests/cli/test_acceptance_third_pass.py::test_known_records_filed_where_they_do_not_belong_are_refused_where_they_were_written":
        4.5,
    "tests/cli/test_relay_junk_at_arrival.py::test_junk_at_a_place_where_a_genuine_record_arrives_holds_no_place":
        4.3,
    "tests/cli/test_people_across_hosts.py::test_people_at_home_on_another_host_are_listed_with_where_they_are":
        4.0,
    "tests/cli/test_acceptance_own_file_changes.py::test_a_membership_change_forged_into_a_leafs_file_is_refused_there_and_listed":
        3.8,
    "tests/cli/test_relay_ends_third_round.py::test_a_genesis_refused_at_the_hub_founds_nothing_there":
        3.7,
    "tests/cli/test_relay_junk_at_arrival.py::test_junk_at_the_place_in_the_hubs_own_file_holds_no_place_either":
        3.3,
    "tests/cli/test_acceptance_third_pass.py::test_messages_in_a_leafs_outbound_stream_that_are_no_record_are_counted_and_listed":
        2.5,
    "tests/cli/test_relay_consumer_wait.py::test_a_wait_makes_no_task_and_hands_a_record_over_two_turns_sooner":
        1.0,
    # The relay's CLI tests not marked slow (waiting since the seventh pass): measured on the CPU
    # workers of 2026-12-02 07:28-07:50 at load ~22, divided by 1.96 (the median ratio of the
    # waiting tests measured in both runs) to stand beside the figures above.
    "tests/cli/test_relay_port_taken.py::test_a_taken_client_port_moves_to_a_free_one_and_every_client_follows[bound]":
        15.5,
    "tests/cli/test_relay_tunnel.py::test_the_leaf_link_goes_through_an_ssh_tunnel_kept_up_by_the_relay":
        15.4,
    "tests/cli/test_relay_attacks_consumers.py::test_a_leaf_cannot_keep_unbounded_or_stray_consumers_on_the_hub":
        15.1,
    "tests/cli/test_relay_port_taken.py::test_a_taken_client_port_moves_to_a_free_one_and_every_client_follows[listening]":
        13.9,
    "tests/cli/test_relay_held_send.py::test_the_apps_sends_while_a_handle_change_waits_reuse_the_kept_change":
        13.6,
    "tests/cli/test_relay_status_link_when_stopped.py::test_no_link_is_up_where_no_relay_runs[term]":
        13.3,
    "tests/cli/test_relay_attacks_local.py::test_a_local_user_of_the_hub_host_may_neither_read_nor_write_the_federation":
        13.0,
    "tests/cli/test_relay_tunnel.py::test_a_tunnel_whose_local_port_another_program_took_moves_to_another":
        12.4,
    "tests/cli/test_relay_status_link_when_stopped.py::test_a_leaf_stopped_while_linked_still_says_how_long_the_hub_was_out_of_reach":
        12.3,
    "tests/cli/test_relay_ordering.py::test_a_race_between_two_leaves_ends_in_one_chain_with_no_local_fork":
        11.9,
    "tests/cli/test_relay.py::test_a_membership_race_ends_in_the_hubs_order_on_every_host":
        10.9,
    "tests/cli/test_relay_idle.py::test_an_idle_relay_sleeps_between_its_looks":
        10.4,
    "tests/cli/test_relay_status_link_when_stopped.py::test_no_link_is_up_where_no_relay_runs[kill]":
        10.3,
    "tests/cli/test_relay_attacks_consumers.py::test_a_leaf_drops_the_pull_consumers_it_has_read_through":
        10.2,
    "tests/cli/test_relay_acceptance.py::test_a_join_that_loses_the_race_for_a_last_use_says_one_line":
        9.7,
    "tests/cli/test_relay_acceptance.py::test_membership_refusals_name_the_change_and_how_long_the_hub_is_gone":
        9.6,
    "tests/cli/test_relay_idle.py::test_a_cut_shows_at_once_and_an_idle_relay_is_never_taken_for_a_dead_one":
        9.4,
    "tests/cli/test_relay_attacks_local.py::test_a_local_user_of_the_hub_host_cannot_read_the_hub_relays_replies":
        9.0,
    "tests/cli/test_relay_bad_input.py::test_a_second_relay_for_the_same_hub_stops_before_touching_the_first":
        8.8,
    "tests/cli/test_relay_bad_input.py::test_join_with_bad_input_on_a_leaf_says_one_line":
        8.8,
    "tests/cli/test_relay_ordering.py::test_a_handle_change_made_offline_waits_for_the_link_and_never_blocks_a_send":
        8.2,
    "tests/cli/test_relay.py::test_a_message_posted_on_one_host_appears_on_the_other":
        8.1,
    "tests/cli/test_relay_attacks.py::test_the_hub_refuses_records_in_the_name_of_a_host_without_a_token":
        7.9,
    "tests/cli/test_relay_partition.py::test_records_flow_on_at_once_after_the_hubs_server_restarts_for_a_token":
        7.8,
    "tests/cli/test_relay.py::test_membership_changes_need_the_hub_and_say_for_how_long_it_is_gone":
        7.7,
    "tests/cli/test_relay_ordering.py::test_a_change_the_hub_accepted_reaches_its_host_even_if_the_command_died":
        7.6,
    "tests/cli/test_relay.py::test_forged_records_in_a_hosts_file_or_stream_never_reach_another_host":
        7.3,
    "tests/cli/test_relay_partition.py::test_the_hub_lists_each_leaf_link_up_and_down":
        7.1,
    "tests/cli/test_relay_attacks.py::test_a_leaf_cannot_publish_in_another_hosts_name":
        6.7,
    "tests/cli/test_relay_attacks.py::test_a_leaf_still_reads_a_backlog_larger_than_its_consumers_window":
        6.5,
    "tests/cli/test_relay_attacks_consumers.py::test_the_hub_caps_the_consumers_of_its_streams_also_those_made_before":
        6.2,
    "tests/cli/test_relay.py::test_a_wrong_or_revoked_token_is_refused":
        6.0,
    "tests/cli/test_relay_bad_input.py::test_a_leaf_whose_ssh_host_is_unreachable_runs_and_says_why_the_link_is_down":
        4.8,
    "tests/cli/test_relay_idle.py::test_a_consumer_without_the_flow_control_poll_reads_a_backlog_and_loses_no_record":
        4.4,
    "tests/cli/test_relay.py::test_tokens_made_and_revoked_while_the_hub_runs_take_effect":
        4.2,
    "tests/cli/test_relay_port_taken.py::test_a_taken_leaf_port_stops_the_hub_with_one_line_naming_it[bound]":
        3.8,
    "tests/cli/test_relay_attacks.py::test_a_leaf_cannot_publish_into_the_federation_stream":
        3.7,
    "tests/cli/test_relay_port_taken.py::test_a_taken_leaf_port_stops_the_hub_with_one_line_naming_it[listening]":
        3.0,
    "tests/cli/test_relay_bad_input.py::test_status_of_a_relay_that_is_not_running_says_so_and_exits_3":
        2.6,
    "tests/cli/test_relay_attacks.py::test_a_leaf_cannot_delete_purge_or_change_the_streams":
        2.3,
    "tests/cli/test_relay.py::test_the_relay_starts_and_stops_its_server_even_when_killed":
        2.1,
    "tests/cli/test_relay_local_server_gone.py::test_a_fetch_and_a_membership_request_fail_at_once_with_no_server_here":
        2.1,
    "tests/cli/test_relay_port_taken.py::test_a_leased_port_is_no_other_process_s_until_given_back":
        1.6,
    "tests/cli/test_relay_attacks.py::test_a_leaf_cannot_read_replies_meant_for_another_host":
        1.2,
    "tests/cli/test_relay_port_taken.py::test_a_taken_monitoring_port_is_replaced_by_another":
        1.2,
    "tests/cli/test_relay_acceptance.py::test_ctrl_c_in_the_relays_terminal_stops_it_without_a_traceback":
        1.1,
    "tests/cli/test_relay_rejected_listing.py::test_each_plain_line_names_the_record_its_kind_and_its_author":
        1.1,
    "tests/cli/test_relay_acceptance.py::test_a_relay_without_its_extra_says_how_to_install_it_from_the_source":
        0.9,
    "tests/cli/test_relay_bad_input.py::test_a_relay_directory_someone_opened_to_others_is_refused_until_made_private[rejected]":
        0.7,
    "tests/cli/test_relay_acceptance.py::test_relay_commands_on_the_wrong_host_say_so_in_one_line":
        0.5,
    "tests/cli/test_relay_bad_input.py::test_a_relay_directory_someone_opened_to_others_is_refused_until_made_private[status --json]":
        0.5,
    "tests/cli/test_relay_bad_input.py::test_a_relay_directory_someone_opened_to_others_is_refused_until_made_private[token --name D]":
        0.5,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a token for another host]":
        0.4,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a leaf's token on the hub]":
        0.4,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[revoking on a leaf]":
        0.4,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[relay rejected without relay init]":
        0.4,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[relay revoke B without relay init]":
        0.4,
    "tests/cli/test_relay_bad_input.py::test_a_relay_directory_someone_opened_to_others_is_refused_until_made_private[status]":
        0.4,
    "tests/cli/test_relay_tunnel.py::test_ssh_is_for_leaves_and_wants_a_user_at_host":
        0.4,
    "tests/cli/test_relay.py::test_init_keeps_its_state_private_and_refuses_a_second_init":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[not a token]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a cut token]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a token naming a hostile host]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[init twice on the hub]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[an ssh option for ssh]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a token name with a newline]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a token address without a port]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[relay status without relay init]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[relay status --json without relay init]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[relay run without relay init]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_a_relay_directory_someone_opened_to_others_is_refused_until_made_private[revoke B]":
        0.3,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a token with junk after it]":
        0.2,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a new token with --ssh]":
        0.2,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a bad listen address]":
        0.2,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a port out of range]":
        0.2,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a token name with control characters]":
        0.2,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a token address with a newline]":
        0.2,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a token on a leaf]":
        0.2,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[relay token --name D without relay init]":
        0.2,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[an invite code for a token]":
        0.2,
    "tests/cli/test_relay_bad_input.py::test_a_relay_directory_someone_opened_to_others_is_refused_until_made_private[run]":
        0.2,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a token without a leaf address]":
        0.1,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[a token name of 10 KB]":
        0.1,
    "tests/cli/test_relay_bad_input.py::test_bad_input_to_relay_commands_gives_one_line_and_changes_nothing[revoking a 10 KB name]":
        0.1,
    "tests/cli/test_relay_attacks.py::test_the_allow_list_grants_no_destructive_call_and_no_other_hosts_subject":
        0.1,
    # Marked slow in the eighth pass (docs/performance.md): their call durations in a first lane
    # of 11:00-11:22 that day (load ~15-22; mostly SQLite's 5 s busy timeout, which load does
    # not lengthen).
    "tests/cli/test_busy_group_file.py::test_send_to_a_locked_file_says_what_and_waits_once":
        11.0,
    "tests/cli/test_busy_group_file.py::test_app_says_the_file_is_locked_and_keeps_the_draft":
        6.3,
    "tests/cli/test_busy_group_file.py::test_a_locked_personal_file_does_not_fail_a_message_that_was_sent":
        5.7,
}
